import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { type SshSigningKey, sshFingerprint } from "./ssh-key.js";

/**
 * Dead Simple Signing Envelope v1 (secure-systems-lab/dsse): the signature covers the
 * pre-authentication encoding PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body)
 * SP body, never the JSON around it. Ed25519 signs PAE directly; ECDSA P-256 signs it with
 * SHA-256 (ASN.1 DER signature); RSA with PKCS#1 v1.5 and SHA-256.
 */

/** A DSSE envelope as JSON. */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { keyid: string; sig: string }[];
}

/** The pre-authentication encoding DSSE signs. */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "utf8"),
    type,
    Buffer.from(` ${body.length} `, "utf8"),
    body,
  ]);
}

function digestFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === "ed25519" ? null : "sha256";
}

/** Signs `payload` into an envelope; keyid is the key's OpenSSH SHA-256 fingerprint. */
export function dsseSign(key: SshSigningKey, payloadType: string, payload: Buffer): DsseEnvelope {
  const sig = cryptoSign(digestFor(key.privateKey), pae(payloadType, payload), key.privateKey);
  return {
    payload: payload.toString("base64"),
    payloadType,
    signatures: [{ keyid: sshFingerprint(key.publicBlob), sig: sig.toString("base64") }],
  };
}

/** True when some signature of the envelope verifies with `publicKey`. */
export function dsseVerify(envelope: DsseEnvelope, publicKey: KeyObject): boolean {
  const data = pae(envelope.payloadType, Buffer.from(envelope.payload, "base64"));
  return envelope.signatures.some((s) => {
    try {
      return cryptoVerify(digestFor(publicKey), data, publicKey, Buffer.from(s.sig, "base64"));
    } catch {
      return false;
    }
  });
}
