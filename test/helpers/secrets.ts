/**
 * Finds secrets in bytes the CLI wrote (stdout, stderr, --debug traces, receipts, state
 * files): the exact canary values a test ran with, plus the shapes a leak would take even
 * for values the test never saw (a fresh APIAuth signature, a presigned URL's signature).
 */

/** The secret values a test ran with. */
export interface Canaries {
  /** Bearer keys (sk-...). */
  apiKeys?: string[];
  /** APIAuth HMAC secrets. */
  hmacSecrets?: string[];
  /** StrataGRC session cookie values. */
  sessions?: string[];
  /** Anything else that must never be printed (e.g. a presigned URL seen by a server). */
  other?: string[];
}

/** One secret found, with a little context to find where it was printed. */
export interface SecretFinding {
  where: string;
  what: string;
  context: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A canary as a pattern that does not fire inside longer tokens: a short secret such as
 * "abc123" must not match inside a SHA-256 or a UUID.
 */
function exactToken(value: string): RegExp {
  return new RegExp(`(?<![0-9A-Za-z])${escapeRegExp(value)}(?![0-9A-Za-z])`, "g");
}

/** Shapes of leaks, whatever the values. Redacted forms ("[REDACTED]", "sk-...abcd") pass. */
const LEAK_SHAPES: [string, RegExp][] = [
  // A whole Bearer key: masked forms keep at most the last 4 characters after an ellipsis.
  ["Bearer API key", /\bsk-[A-Za-z0-9_-]{12,}/g],
  // APIAuth <key id>:<base64 HMAC> (SHA-1 is 28 base64 chars, SHA-256 44).
  ["APIAuth signature", /APIAuth(?:-HMAC-SHA256)? [^\s:"']+:[A-Za-z0-9+/]{20,}={0,2}/g],
  // Presigned query signatures (S3 names, and the generic ones storage providers use).
  ["presigned signature", /X-Amz-Signature=(?!\[REDACTED\])[0-9A-Za-z%]{8,}/gi],
  ["presigned credential", /X-Amz-Credential=(?!\[REDACTED\])[^&\s"']{8,}/gi],
  ["presigned token", /X-Amz-Security-Token=(?!\[REDACTED\])[^&\s"']{8,}/gi],
  // A cookie header or Set-Cookie with a real value.
  ["session cookie", /\bsession=(?!\[REDACTED\])[^;\s"']{8,}/g],
  [
    "content SHA-256 header",
    /X-Authorization-Content-SHA256: ?(?!\[REDACTED\])[A-Za-z0-9+/=]{20,}/gi,
  ],
];

/** Every secret in `text` (labelled `where`), canaries first, then leak shapes. */
export function findSecrets(text: string, where: string, canaries: Canaries): SecretFinding[] {
  const found: SecretFinding[] = [];
  const hit = (what: string, re: RegExp) => {
    for (const m of text.matchAll(re)) {
      const at = m.index ?? 0;
      found.push({
        where,
        what,
        context: text.slice(Math.max(0, at - 60), at + m[0].length + 20).replace(/\n/g, "\\n"),
      });
    }
  };
  const named: [string, string[] | undefined][] = [
    ["API key", canaries.apiKeys],
    ["HMAC secret", canaries.hmacSecrets],
    ["session cookie value", canaries.sessions],
    ["secret", canaries.other],
  ];
  for (const [what, values] of named) {
    for (const v of values ?? []) if (v) hit(`${what} ${v.slice(0, 6)}…`, exactToken(v));
  }
  for (const [what, re] of LEAK_SHAPES) hit(what, re);
  return found;
}

/** Scans several named outputs at once. */
export function findSecretsIn(
  outputs: Record<string, string>,
  canaries: Canaries,
): SecretFinding[] {
  return Object.entries(outputs).flatMap(([where, text]) => findSecrets(text, where, canaries));
}
