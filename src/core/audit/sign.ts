import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { UsageError } from "../../errors.js";
import { openOutputFile, type ReceiptEntry, verifyReceipt } from "../evidence/receipt.js";
import { findSigner, parseAllowedSigners } from "./allowed-signers.js";
import type { DsseEnvelope } from "./dsse.js";
import { parsePrivateKey, SshKeyError, type SshSigningKey, sshFingerprint } from "./ssh-key.js";
import { parseSshsig, RECEIPT_NAMESPACE, sshsigSign, sshsigVerify } from "./sshsig.js";

/**
 * Signing what a push wrote: `<receipt>.sig` in the sshsig format (namespace grc-receipt,
 * SHA-512) and an optional DSSE-wrapped in-toto attestation, both with one OpenSSH key.
 * Other commands (snapshots, plan/apply) call `signReceiptFile` and `writeAttestation`.
 */

/** Where the signing key comes from: a file, or key text (from GRC_SIGN_KEY). */
export type SignKeySource = { path: string } | { text: string; label: string };

/** Largest key file read (an RSA 8192 key is under 7 KiB). */
const MAX_KEY_BYTES = 64 * 1024;

/**
 * The key source of a run: `--sign-key FILE` wins; else GRC_SIGN_KEY, which holds the key
 * text when it starts with "-----BEGIN" (a CI secret) and a file path otherwise.
 */
export function signKeySource(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): SignKeySource | undefined {
  if (flag !== undefined) return { path: flag };
  const value = env.GRC_SIGN_KEY;
  if (value === undefined || value.trim() === "") return undefined;
  if (value.trimStart().startsWith("-----BEGIN")) return { text: value, label: "GRC_SIGN_KEY" };
  return { path: value };
}

/** Reads and parses the key; every problem is one UsageError that never quotes the key. */
export async function loadSigningKey(source: SignKeySource): Promise<SshSigningKey> {
  let text: string;
  const where = "path" in source ? `signing key ${source.path}` : `the key in ${source.label}`;
  if ("path" in source) {
    const st = await stat(source.path).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      throw new UsageError(
        st.code === "ENOENT"
          ? `signing key not found: ${source.path}`
          : `cannot read signing key ${source.path}: ${st.code}`,
        "pass --sign-key with an OpenSSH private key file (ssh-keygen -t ed25519 -N '')",
      );
    }
    if (!st.isFile() || st.size > MAX_KEY_BYTES) {
      throw new UsageError(
        `${where} is not a key file`,
        "pass --sign-key with an OpenSSH private key file",
      );
    }
    text = await readFile(source.path, "utf8");
  } else {
    text = source.text;
  }
  try {
    return parsePrivateKey(text);
  } catch (err) {
    if (err instanceof SshKeyError) {
      throw new UsageError(err.message.replace(/^the signing key/, where), err.fix);
    }
    throw err;
  }
}

async function digestFile(file: string, algorithm: "sha512" | "sha256"): Promise<Buffer> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}

/** What signing wrote. */
export interface SignedFile {
  signaturePath: string;
  /** The signer's OpenSSH fingerprint (SHA256:...). */
  fingerprint: string;
}

/** Signs a finished receipt as `<receipt>.sig` (sshsig, namespace grc-receipt, SHA-512). */
export async function signReceiptFile(
  receiptPath: string,
  key: SshSigningKey | SignKeySource,
): Promise<SignedFile> {
  const signer = "privateKey" in key ? key : await loadSigningKey(key);
  const armored = sshsigSign(signer, RECEIPT_NAMESPACE, await digestFile(receiptPath, "sha512"));
  const signaturePath = `${receiptPath}.sig`;
  const out = await openOutputFile(signaturePath, "signature");
  try {
    await out.writeFile(armored);
  } finally {
    await out.close();
  }
  return { signaturePath, fingerprint: sshFingerprint(signer.publicBlob) };
}

/**
 * Writes a DSSE envelope around an in-toto statement built from the (intact) receipt.
 * Refuses a receipt that does not verify: an attestation must not vouch for altered data.
 */
export async function writeAttestation(input: {
  receiptPath: string;
  attestationPath: string;
  key: SshSigningKey | SignKeySource;
  toolVersion: string;
}): Promise<{ attestationPath: string; subjects: number }> {
  const { dsseSign } = await import("./dsse.js");
  const { evidenceStatement, IN_TOTO_PAYLOAD_TYPE } = await import("./in-toto.js");
  const signer = "privateKey" in input.key ? input.key : await loadSigningKey(input.key);
  const entries: ReceiptEntry[] = [];
  const check = await verifyReceipt(input.receiptPath, {
    cwd: ".",
    onEntry: (e) => entries.push(e),
  });
  if (!check.ok || !check.summary) {
    throw new UsageError(
      `not attesting ${input.receiptPath}: the receipt does not verify (${check.problems[0]?.message ?? "no summary"})`,
      "run `grc evidence receipt verify` on it",
    );
  }
  const statement = evidenceStatement({
    entries,
    summary: check.summary,
    receipt: {
      name: basename(input.receiptPath),
      sha256: (await digestFile(input.receiptPath, "sha256")).toString("hex"),
    },
    toolVersion: input.toolVersion,
    ci: check.summary.ci ?? null,
  });
  const envelope: DsseEnvelope = dsseSign(
    signer,
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement), "utf8"),
  );
  const out = await openOutputFile(input.attestationPath, "attestation");
  try {
    await out.writeFile(`${JSON.stringify(envelope, null, 2)}\n`);
  } finally {
    await out.close();
  }
  return { attestationPath: input.attestationPath, subjects: statement.subject.length };
}

/** What checking a receipt's signature found. */
export interface SignatureCheck {
  ok: boolean;
  /** The principal(s) the key is allowed for. */
  principal?: string | undefined;
  fingerprint?: string | undefined;
  /** Why it failed, one sentence. */
  reason?: string | undefined;
}

/**
 * Does what `ssh-keygen -Y verify -n grc-receipt` does: the signature is over the file, in
 * namespace grc-receipt, by a key the allowed_signers file lists for the identity (or, with
 * no identity, for some principal) in that namespace and time.
 */
export async function verifyReceiptSignature(input: {
  receiptPath: string;
  signaturePath: string;
  allowedSignersPath: string;
  identity?: string | undefined;
  now?: Date;
}): Promise<SignatureCheck> {
  const readSmall = async (file: string, what: string, fix: string) => {
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) throw new UsageError(`${what} not found: ${file}`, fix);
    if (st.size > 1024 * 1024) throw new UsageError(`${what} ${file} is larger than 1 MiB`, fix);
    return readFile(file, "utf8");
  };
  const sigText = await readSmall(
    input.signaturePath,
    "signature",
    "sign the receipt with `grc evidence push --sign-key`, or pass --signature FILE",
  );
  const allowedText = await readSmall(
    input.allowedSignersPath,
    "allowed signers file",
    "pass --allowed-signers with lines like `auditor@example.com ssh-ed25519 AAAA...`",
  );
  let sig: ReturnType<typeof parseSshsig>;
  try {
    sig = parseSshsig(sigText);
  } catch (err) {
    return { ok: false, reason: `${input.signaturePath}: ${(err as Error).message}` };
  }
  const fingerprint = sshFingerprint(sig.publicBlob);
  if (sig.namespace !== RECEIPT_NAMESPACE) {
    return {
      ok: false,
      fingerprint,
      reason: `the signature is for namespace "${sig.namespace}", not "${RECEIPT_NAMESPACE}"`,
    };
  }
  const { signers } = parseAllowedSigners(allowedText);
  const found = findSigner(
    signers,
    sig.publicBlob,
    sig.namespace,
    input.identity,
    input.now ?? new Date(),
  );
  if ("reason" in found) return { ok: false, fingerprint, reason: found.reason };
  const good = sshsigVerify(sig, await digestFile(input.receiptPath, sig.hash));
  if (!good) {
    return {
      ok: false,
      fingerprint,
      principal: found.principal,
      reason: "the signature does not match the receipt's bytes",
    };
  }
  return { ok: true, fingerprint, principal: found.principal };
}
