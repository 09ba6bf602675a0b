import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { publicKeyFromBlob, type SshSigningKey } from "./ssh-key.js";
import { SshReader, sshMpint, sshString, u32 } from "./ssh-wire.js";

/**
 * The SSH signature format of `ssh-keygen -Y sign` (OpenSSH PROTOCOL.sshsig): an armored
 * blob holding the public key, the namespace, the hash algorithm and a signature over
 * "SSHSIG" || namespace || reserved || hash algorithm || H(message). Signing and verifying
 * use node:crypto only, so a receipt signed here verifies with `ssh-keygen -Y verify`.
 */

/** The namespace of receipt signatures (`-n grc-receipt`). */
export const RECEIPT_NAMESPACE = "grc-receipt";

const MAGIC = Buffer.from("SSHSIG", "latin1");
const BEGIN = "-----BEGIN SSH SIGNATURE-----";
const END = "-----END SSH SIGNATURE-----";

/** Hash algorithms sshsig allows. */
export type SshsigHash = "sha512" | "sha256";

/** The bytes the signer signs (PROTOCOL.sshsig §3). */
export function signedData(namespace: string, hash: SshsigHash, digest: Buffer): Buffer {
  return Buffer.concat([
    MAGIC,
    sshString(namespace),
    sshString(""),
    sshString(hash),
    sshString(digest),
  ]);
}

/** Signs a message digest (SHA-512 of the file) and returns the armored signature text. */
export function sshsigSign(
  key: SshSigningKey,
  namespace: string,
  digest: Buffer,
  hash: SshsigHash = "sha512",
): string {
  const data = signedData(namespace, hash, digest);
  const blob = Buffer.concat([
    MAGIC,
    u32(1),
    sshString(key.publicBlob),
    sshString(namespace),
    sshString(""),
    sshString(hash),
    sshString(signatureBlob(key, data)),
  ]);
  const b64 = blob.toString("base64");
  const lines = b64.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join("\n")}\n${END}\n`;
}

function signatureBlob(key: SshSigningKey, data: Buffer): Buffer {
  switch (key.keyType) {
    case "ssh-ed25519":
      return Buffer.concat([
        sshString("ssh-ed25519"),
        sshString(cryptoSign(null, data, key.privateKey)),
      ]);
    case "ecdsa-sha2-nistp256": {
      const rs = cryptoSign("sha256", data, { key: key.privateKey, dsaEncoding: "ieee-p1363" });
      const inner = Buffer.concat([sshMpint(rs.subarray(0, 32)), sshMpint(rs.subarray(32))]);
      return Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString(inner)]);
    }
    case "ssh-rsa":
      return Buffer.concat([
        sshString("rsa-sha2-512"),
        sshString(cryptoSign("sha512", data, key.privateKey)),
      ]);
    default:
      throw new Error(`cannot sign with ${key.keyType}`);
  }
}

/** A parsed SSH signature. */
export interface Sshsig {
  publicBlob: Buffer;
  namespace: string;
  hash: SshsigHash;
  sigType: string;
  signature: Buffer;
}

/** Parses armored sshsig text; throws an Error with a plain reason when it is not one. */
export function parseSshsig(text: string): Sshsig {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error("not an SSH signature (no BEGIN SSH SIGNATURE)");
  const blob = Buffer.from(text.slice(start + BEGIN.length, end).replace(/\s+/g, ""), "base64");
  try {
    if (!blob.subarray(0, 6).equals(MAGIC)) throw new Error("bad magic");
    const r = new SshReader(blob.subarray(6));
    const version = r.uint32();
    if (version !== 1) throw new Error(`unsupported sshsig version ${version}`);
    const publicBlob = r.string();
    const namespace = r.text();
    r.string(); // reserved
    const hash = r.text();
    if (hash !== "sha512" && hash !== "sha256") throw new Error(`unsupported hash ${hash}`);
    const sig = new SshReader(r.string());
    const sigType = sig.text();
    const signature = sig.string();
    return { publicBlob, namespace, hash, sigType, signature };
  } catch (err) {
    throw new Error(`not a valid SSH signature (${(err as Error).message})`);
  }
}

/** Checks the signature over a digest made with `sig.hash`; true when it holds. */
export function sshsigVerify(sig: Sshsig, digest: Buffer): boolean {
  const pub = publicKeyFromBlob(sig.publicBlob);
  if (!pub) return false;
  const data = signedData(sig.namespace, sig.hash, digest);
  return verifyRaw(pub.keyType, pub.key, sig.sigType, data, sig.signature);
}

function verifyRaw(
  keyType: string,
  key: KeyObject,
  sigType: string,
  data: Buffer,
  signature: Buffer,
): boolean {
  try {
    if (keyType === "ssh-ed25519" && sigType === "ssh-ed25519") {
      return cryptoVerify(null, data, key, signature);
    }
    if (keyType === "ecdsa-sha2-nistp256" && sigType === "ecdsa-sha2-nistp256") {
      const r = new SshReader(signature);
      const pad = (b: Buffer) => Buffer.concat([Buffer.alloc(Math.max(0, 32 - b.length)), b]);
      const rs = Buffer.concat([pad(r.mpint()), pad(r.mpint())]);
      if (rs.length !== 64) return false;
      return cryptoVerify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, rs);
    }
    if (keyType === "ssh-rsa" && (sigType === "rsa-sha2-512" || sigType === "rsa-sha2-256")) {
      return cryptoVerify(sigType === "rsa-sha2-512" ? "sha512" : "sha256", data, key, signature);
    }
  } catch {
    return false;
  }
  return false;
}
