/**
 * The `allowed_signers` file of `ssh-keygen -Y verify` (ssh-keygen(1), "ALLOWED SIGNERS"):
 * one key per line, `principals [options] keytype base64-key [comment]`, with principal
 * patterns (`*`, `?`, `!negation`) and the options `namespaces=`, `valid-after=`,
 * `valid-before=` and `cert-authority` (certificates are not supported: such lines are
 * skipped, as they cannot match a plain key).
 */

/** One usable line of an allowed_signers file. */
export interface AllowedSigner {
  line: number;
  principals: string[];
  keyType: string;
  publicBlob: Buffer;
  namespaces: string[] | undefined;
  validAfter: Date | undefined;
  validBefore: Date | undefined;
  certAuthority: boolean;
}

const KEY_TYPE =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+|[a-z0-9-]+-cert-v01@openssh\.com)$/;

/** Splits on blanks outside double quotes. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      cur += ch;
    } else if (!quoted && (ch === " " || ch === "\t")) {
      if (cur) out.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Splits on commas outside double quotes. */
function commaList(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** YYYYMMDD[HHMM[SS]][Z]: UTC with Z, local time without (as ssh-keygen). */
function parseTime(v: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(v);
  if (!m) return undefined;
  const parts = [
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  ] as const;
  return m[7] ? new Date(Date.UTC(...parts)) : new Date(...parts);
}

/** Parses an allowed_signers file; malformed lines are returned in `errors`, not thrown. */
export function parseAllowedSigners(text: string): {
  signers: AllowedSigner[];
  errors: { line: number; message: string }[];
} {
  const signers: AllowedSigner[] = [];
  const errors: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const f = fields(trimmed);
    if (f.length < 3) {
      errors.push({ line, message: "expected principals, key type and key" });
      return;
    }
    let k = 1;
    let options: string[] = [];
    if (!KEY_TYPE.test(f[1]!)) {
      options = commaList(f[1]!);
      k = 2;
    }
    const keyType = f[k];
    const b64 = f[k + 1];
    if (!keyType || !KEY_TYPE.test(keyType) || !b64) {
      errors.push({ line, message: "no key type and key" });
      return;
    }
    const signer: AllowedSigner = {
      line,
      principals: commaList(unquote(f[0]!)),
      keyType,
      publicBlob: Buffer.from(b64, "base64"),
      namespaces: undefined,
      validAfter: undefined,
      validBefore: undefined,
      certAuthority: false,
    };
    for (const opt of options) {
      const eq = opt.indexOf("=");
      const name = (eq < 0 ? opt : opt.slice(0, eq)).toLowerCase();
      const value = eq < 0 ? "" : unquote(opt.slice(eq + 1));
      if (name === "cert-authority") signer.certAuthority = true;
      else if (name === "namespaces") signer.namespaces = commaList(value);
      else if (name === "valid-after") signer.validAfter = parseTime(value);
      else if (name === "valid-before") signer.validBefore = parseTime(value);
      else errors.push({ line, message: `unknown option ${name}` });
    }
    signers.push(signer);
  });
  return { signers, errors };
}

/** One pattern with `*` and `?` (case-sensitive, as OpenSSH's match_pattern). */
function matchPattern(text: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );
  return re.test(text);
}

/** OpenSSH match_pattern_list: a matching `!pattern` vetoes; else any positive match. */
export function matchPatternList(text: string, patterns: string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("!")) {
      if (matchPattern(text, p.slice(1))) return false;
    } else if (matchPattern(text, p)) {
      matched = true;
    }
  }
  return matched;
}

/** Why a key is or is not allowed to sign as `identity` in `namespace` at `now`. */
export function findSigner(
  signers: AllowedSigner[],
  publicBlob: Buffer,
  namespace: string,
  identity: string | undefined,
  now: Date,
): { signer: AllowedSigner; principal: string } | { reason: string } {
  const sameKey = signers.filter((s) => !s.certAuthority && s.publicBlob.equals(publicBlob));
  if (sameKey.length === 0) return { reason: "the signing key is not in the allowed signers file" };
  const forIdentity = identity
    ? sameKey.filter((s) => matchPatternList(identity, s.principals))
    : sameKey;
  if (forIdentity.length === 0) {
    return { reason: `the signing key is not allowed for identity ${identity}` };
  }
  const inNamespace = forIdentity.filter(
    (s) => !s.namespaces || matchPatternList(namespace, s.namespaces),
  );
  if (inNamespace.length === 0) {
    return { reason: `the signing key is not allowed for namespace ${namespace}` };
  }
  const inTime = inNamespace.filter(
    (s) => (!s.validAfter || now >= s.validAfter) && (!s.validBefore || now <= s.validBefore),
  );
  const signer = inTime[0];
  if (!signer) return { reason: "the signing key is outside its valid-after/valid-before window" };
  return {
    signer,
    principal: identity ?? signer.principals.filter((p) => !p.startsWith("!")).join(","),
  };
}
