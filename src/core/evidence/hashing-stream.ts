import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline, Transform, type TransformCallback } from "node:stream";

/**
 * Bytes read per chunk. Each chunk is hashed and handed to the socket as is (no copy), so the
 * read, the hash and the PUT overlap; the buffers in flight (file stream, hasher, socket) stay
 * a few MiB. Measured on a 1 GiB push to the mock on loopback (7 alternated rounds on the
 * loaded 2-core machine): 1 MiB reads took 7% less CPU than 256 KiB (2.59 s vs 2.80 s, a third
 * of the context switches) and 10% less wall time; 2 and 4 MiB took more CPU again (more
 * fresh memory per read: ~80,000 page faults at 4 MiB against ~27,000 at 1 MiB).
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** The file's bytes did not match the size it had when the upload started. */
export class FileChangedError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      actual > expected
        ? `the file grew while it was read (more than the ${expected} bytes it had)`
        : `the file shrank while it was read (${actual} of ${expected} bytes)`,
    );
    this.name = "FileChangedError";
  }
}

/**
 * A pass-through that hashes (SHA-256) and counts the bytes on their way to the network, so
 * a file is read from disk once however large it is. It fails as soon as more bytes arrive
 * than the Content-Length promised, and at the end when fewer did: storage must never keep
 * an object whose hash we did not compute.
 */
export class HashingCounter extends Transform {
  private readonly hash: Hash = createHash("sha256");
  private count = 0;
  private digest: string | undefined;

  constructor(
    private readonly expectedBytes: number,
    private readonly onBytes?: (n: number) => void,
  ) {
    super();
    if (expectedBytes === 0) this.digest = this.hash.digest("hex");
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.count;
  }

  /**
   * Hex SHA-256, known as soon as the expected number of bytes went through: storage may
   * answer (and the HTTP client drop the body stream) before the file's end-of-file read.
   */
  get sha256(): string | undefined {
    return this.digest;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.expectedBytes) {
      done(new FileChangedError(this.expectedBytes, this.count));
      return;
    }
    this.hash.update(chunk);
    if (this.count === this.expectedBytes) this.digest = this.hash.digest("hex");
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.count !== this.expectedBytes) {
      done(new FileChangedError(this.expectedBytes, this.count));
      return;
    }
    done();
  }
}

/** A file's bytes as a stream through a HashingCounter (read, hash and count in one pass). */
export function hashingReadStream(
  path: string,
  expectedBytes: number,
  onBytes?: (n: number) => void,
): HashingCounter {
  const counter = new HashingCounter(expectedBytes, onBytes);
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  // pipeline forwards a read error (EACCES, EISDIR) to the counter and closes the file
  // when the consumer gives up (the PUT failed or was aborted).
  pipeline(file, counter, () => {});
  return counter;
}

/** Hashes a file without sending it (--dry-run, `receipt verify --files`). */
export async function hashFile(
  path: string,
  expectedBytes: number,
): Promise<{ sha256: string; size: number }> {
  const counter = hashingReadStream(path, expectedBytes);
  counter.resume();
  await new Promise<void>((resolve, reject) => {
    counter.once("end", resolve);
    counter.once("error", reject);
  });
  return { sha256: counter.sha256!, size: counter.bytes };
}
