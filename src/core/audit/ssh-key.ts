import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { b64url, padTo, SshReader, SshWireError, sshMpint, sshString } from "./ssh-wire.js";

/**
 * OpenSSH keys with node:crypto only: the `openssh-key-v1` private key format
 * (PROTOCOL.key) and public key blobs (RFC 4253 §6.6, RFC 5656, RFC 8709), turned into
 * KeyObjects through JWK. Ed25519, ECDSA P-256 and RSA.
 */

/** Key types grc signs and verifies with. */
export type SshKeyType = "ssh-ed25519" | "ecdsa-sha2-nistp256" | "rsa-sha2-512";

/** A private key ready to sign, with the public half in SSH form. */
export interface SshSigningKey {
  /** SSH key type name of the public key ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"). */
  keyType: string;
  /** The public key blob (what an `allowed_signers` or `.pub` line holds, base64). */
  publicBlob: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A key file that cannot be used, with the reason a user can act on. */
export class SshKeyError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

const PEM_OPENSSH =
  /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;
const MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

/** The SHA-256 fingerprint OpenSSH prints (`SHA256:base64-without-padding`). */
export function sshFingerprint(publicBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The one-line public key (`type base64`), as in a `.pub` file without its comment. */
export function publicKeyLine(key: { keyType: string; publicBlob: Buffer }): string {
  return `${key.keyType} ${key.publicBlob.toString("base64")}`;
}

/**
 * Parses a private key: an unencrypted OpenSSH key (`ssh-keygen -N ''`), or a PKCS#8 /
 * traditional PEM key node can read. Throws SshKeyError (encrypted, unsupported, malformed).
 */
export function parsePrivateKey(text: string): SshSigningKey {
  const m = PEM_OPENSSH.exec(text);
  if (!m) {
    if (/ENCRYPTED/.test(text)) {
      throw new SshKeyError(
        "the signing key is encrypted with a passphrase",
        "grc cannot prompt for it: decrypt a copy for CI with `ssh-keygen -p -N '' -f COPY`",
      );
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw new SshKeyError(
        "the signing key is not a private key (no BEGIN ... PRIVATE KEY line)",
        "name an OpenSSH private key, e.g. one made by `ssh-keygen -t ed25519 -N ''`",
      );
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(text);
    } catch {
      throw new SshKeyError(
        "the signing key cannot be read",
        "use an OpenSSH or PKCS#8 PEM private key",
      );
    }
    return fromKeyObject(privateKey);
  }
  let blob: Buffer;
  try {
    blob = Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
  } catch {
    throw malformed();
  }
  try {
    return parseOpensshV1(blob);
  } catch (err) {
    if (err instanceof SshKeyError) throw err;
    throw malformed();
  }
}

function malformed(): SshKeyError {
  return new SshKeyError(
    "the signing key is not a valid OpenSSH private key",
    "make one with `ssh-keygen -t ed25519 -N '' -f FILE`",
  );
}

function parseOpensshV1(blob: Buffer): SshSigningKey {
  if (blob.length < MAGIC.length || !blob.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw malformed();
  }
  const r = new SshReader(blob.subarray(MAGIC.length));
  const cipher = r.text();
  const kdf = r.text();
  r.string(); // kdf options
  if (cipher !== "none" || kdf !== "none") {
    throw new SshKeyError(
      `the signing key is encrypted with a passphrase (${cipher}, ${kdf})`,
      "grc cannot prompt for it: decrypt a copy for CI with `ssh-keygen -p -N '' -f COPY` and keep it in the CI secret store",
    );
  }
  const count = r.uint32();
  if (count !== 1) throw new SshKeyError("the key file holds more than one key", "use one key");
  const publicBlob = r.string();
  const priv = new SshReader(r.string());
  const check1 = priv.uint32();
  const check2 = priv.uint32();
  if (check1 !== check2) throw malformed();
  const keyType = priv.text();
  let jwk: Record<string, string>;
  switch (keyType) {
    case "ssh-ed25519": {
      const pub = priv.string();
      const both = priv.string(); // seed (32) || public key (32)
      if (pub.length !== 32 || both.length !== 64) throw malformed();
      jwk = { kty: "OKP", crv: "Ed25519", x: b64url(pub), d: b64url(both.subarray(0, 32)) };
      break;
    }
    case "ecdsa-sha2-nistp256": {
      const curve = priv.text();
      const q = priv.string();
      const d = priv.mpint();
      if (curve !== "nistp256" || q.length !== 65 || q[0] !== 4) throw malformed();
      jwk = {
        kty: "EC",
        crv: "P-256",
        x: b64url(q.subarray(1, 33)),
        y: b64url(q.subarray(33, 65)),
        d: b64url(padTo(d, 32)),
      };
      break;
    }
    case "ssh-rsa": {
      const n = priv.mpint();
      const e = priv.mpint();
      const d = priv.mpint();
      const iqmp = priv.mpint();
      const p = priv.mpint();
      const q = priv.mpint();
      const big = (b: Buffer) => BigInt(`0x${b.toString("hex") || "0"}`);
      const unbig = (x: bigint) => {
        const hex = x.toString(16);
        return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
      };
      const dp = big(d) % (big(p) - 1n);
      const dq = big(d) % (big(q) - 1n);
      jwk = {
        kty: "RSA",
        n: b64url(n),
        e: b64url(e),
        d: b64url(d),
        p: b64url(p),
        q: b64url(q),
        dp: b64url(unbig(dp)),
        dq: b64url(unbig(dq)),
        qi: b64url(iqmp),
      };
      break;
    }
    default:
      throw new SshKeyError(
        `the signing key's type ${keyType.slice(0, 40)} is not supported`,
        "use an Ed25519, ECDSA P-256 or RSA key",
      );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk, format: "jwk" });
  } catch {
    throw malformed();
  }
  const key = fromKeyObject(privateKey);
  // The header's public key must be the private key's: a spliced file is not trusted.
  if (!key.publicBlob.equals(publicBlob)) throw malformed();
  return key;
}

/** The SSH public form of a node private key. */
function fromKeyObject(privateKey: KeyObject): SshSigningKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
  let keyType: string;
  let publicBlob: Buffer;
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    keyType = "ssh-ed25519";
    publicBlob = Buffer.concat([sshString(keyType), sshString(Buffer.from(jwk.x!, "base64url"))]);
  } else if (jwk.kty === "EC" && jwk.crv === "P-256") {
    keyType = "ecdsa-sha2-nistp256";
    const q = Buffer.concat([
      Buffer.from([4]),
      padTo(Buffer.from(jwk.x!, "base64url"), 32),
      padTo(Buffer.from(jwk.y!, "base64url"), 32),
    ]);
    publicBlob = Buffer.concat([sshString(keyType), sshString("nistp256"), sshString(q)]);
  } else if (jwk.kty === "RSA") {
    keyType = "ssh-rsa";
    publicBlob = Buffer.concat([
      sshString(keyType),
      sshMpint(Buffer.from(jwk.e!, "base64url")),
      sshMpint(Buffer.from(jwk.n!, "base64url")),
    ]);
  } else {
    throw new SshKeyError(
      "the signing key's type is not supported",
      "use an Ed25519, ECDSA P-256 or RSA key",
    );
  }
  return { keyType, publicBlob, privateKey, publicKey };
}

/** A KeyObject from an SSH public key blob; undefined for types grc does not verify. */
export function publicKeyFromBlob(blob: Buffer): { keyType: string; key: KeyObject } | undefined {
  try {
    const r = new SshReader(blob);
    const keyType = r.text();
    let jwk: Record<string, string>;
    if (keyType === "ssh-ed25519") {
      const x = r.string();
      if (x.length !== 32) return undefined;
      jwk = { kty: "OKP", crv: "Ed25519", x: b64url(x) };
    } else if (keyType === "ecdsa-sha2-nistp256") {
      if (r.text() !== "nistp256") return undefined;
      const q = r.string();
      if (q.length !== 65 || q[0] !== 4) return undefined;
      jwk = { kty: "EC", crv: "P-256", x: b64url(q.subarray(1, 33)), y: b64url(q.subarray(33)) };
    } else if (keyType === "ssh-rsa") {
      const e = r.mpint();
      const n = r.mpint();
      jwk = { kty: "RSA", n: b64url(n), e: b64url(e) };
    } else {
      return undefined;
    }
    return { keyType, key: createPublicKey({ key: jwk, format: "jwk" }) };
  } catch (err) {
    if (err instanceof SshWireError) return undefined;
    return undefined;
  }
}
