/**
 * The SSH wire encoding (RFC 4251 §5): uint32, string and mpint, as used by OpenSSH private
 * keys, public key blobs and SSH signatures. Reads are bounds-checked: a malformed blob is a
 * thrown `SshWireError`, never an out-of-range read.
 */

/** A blob ended early or held a length that does not fit. */
export class SshWireError extends Error {}

/** Sequential reader over one SSH-encoded buffer. */
export class SshReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** True when every byte was read. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The bytes not read yet. */
  rest(): Buffer {
    return this.buf.subarray(this.pos);
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw new SshWireError("truncated SSH data");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString("utf8");
  }

  /** An mpint as unsigned big-endian bytes without leading zeros. */
  mpint(): Buffer {
    const raw = this.string();
    let i = 0;
    while (i < raw.length - 1 && raw[i] === 0) i += 1;
    return raw.subarray(i);
  }
}

/** Encodes a uint32. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** Encodes an SSH string (length-prefixed bytes). */
export function sshString(data: Buffer | string): Buffer {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([u32(b.length), b]);
}

/** Encodes a non-negative integer given as unsigned big-endian bytes as an SSH mpint. */
export function sshMpint(unsigned: Buffer): Buffer {
  let i = 0;
  while (i < unsigned.length && unsigned[i] === 0) i += 1;
  let b = unsigned.subarray(i);
  if (b.length > 0 && (b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

/** base64url without padding (JWK). */
export function b64url(b: Buffer): string {
  return b.toString("base64url");
}

/** Left-pads unsigned big-endian bytes to `len` (JWK EC coordinates, P1363 signatures). */
export function padTo(b: Buffer, len: number): Buffer {
  if (b.length >= len) return b.subarray(b.length - len);
  return Buffer.concat([Buffer.alloc(len - b.length), b]);
}
