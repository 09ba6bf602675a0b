import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import { pipeline } from "node:stream";
import { ExitCode, GrcError } from "../../errors.js";
import { FileChangedError, HashingCounter, READ_CHUNK_BYTES } from "./hashing-stream.js";

/**
 * Reading one file for upload: opened once, one `fstat` before the read and one after it
 * (no path `stat`, no `access`), a small file read whole into memory, a large one streamed
 * from the same descriptor as often as the upload needs (a retried PUT starts over at byte 0).
 */

/**
 * Files up to this size are read into memory in one read, then hashed and sent from that
 * buffer (still read once; at most concurrency x 256 KiB held). Larger files stream.
 */
export const SMALL_FILE_BYTES = 256 * 1024;

/** A problem with the local file (unreadable, changed, too large) or its verification. */
export class FileFailure extends GrcError {
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, ExitCode.someFailed, hint, options);
  }
}

/** A file opened for upload: its size and mtime before the read, its bytes when small. */
export class OpenedFile {
  private fd: number | undefined;
  private counter: HashingCounter | undefined;

  private constructor(
    fd: number | undefined,
    readonly size: number,
    readonly mtimeMs: number,
    /** The whole file, read and checked, when it is small; undefined when it streams. */
    readonly bytes: Buffer | undefined,
  ) {
    this.fd = fd;
  }

  /**
   * Opens the file (an unreadable one fails before any URL is minted) and reads a small one
   * whole. Small files are read synchronously: from the page cache that takes microseconds,
   * where each async call costs a thread-pool round trip per file.
   */
  static open(path: string): OpenedFile {
    let fd: number | undefined;
    try {
      fd = openSync(path, "r");
      const st = fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTFILE" });
      if (st.size > SMALL_FILE_BYTES) return new OpenedFile(fd, st.size, st.mtimeMs, undefined);
      // One byte more than expected shows a file that grew since the fstat.
      const buf = Buffer.allocUnsafe(st.size + 1);
      let n = 0;
      for (let got = -1; got !== 0 && n < buf.length; n += got) {
        got = readSync(fd, buf, n, buf.length - n, n);
      }
      const after = fstatSync(fd);
      if (n !== st.size || after.size !== st.size || after.mtimeMs !== st.mtimeMs) {
        throw changedError();
      }
      closeSync(fd);
      fd = undefined;
      return new OpenedFile(undefined, st.size, st.mtimeMs, buf.subarray(0, n));
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      throw fileError(err);
    }
  }

  /**
   * A fresh stream of the whole file through a SHA-256 counter (a retry calls it again and
   * starts over at byte 0). A small file's bytes come from memory.
   */
  stream(onBytes?: (n: number) => void): HashingCounter {
    const counter = new HashingCounter(this.size, onBytes);
    this.counter = counter;
    if (this.bytes) {
      counter.end(this.bytes);
      return counter;
    }
    if (this.fd === undefined) throw new Error("the file is closed");
    // The descriptor stays open across attempts; `close` releases it.
    const file = createReadStream("", {
      fd: this.fd,
      start: 0,
      autoClose: false,
      highWaterMark: READ_CHUNK_BYTES,
    });
    // pipeline forwards a read error to the counter and stops reading when the consumer
    // gives up (the PUT failed or was aborted).
    pipeline(file, counter, () => {});
    return counter;
  }

  /** The counter of the last stream (its hash, its bytes, its read error). */
  get last(): HashingCounter | undefined {
    return this.counter;
  }

  /** SHA-256 of a small file's bytes (computed here, no read). */
  digest(): string {
    if (!this.bytes) throw new Error("only a small file is hashed from memory");
    return createHash("sha256").update(this.bytes).digest("hex");
  }

  /**
   * After the upload: the same size and mtime as before the read, or the bytes hashed may
   * not be the file's (a small file was checked when it was read). Closes the descriptor.
   */
  finish(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    let after: { size: number; mtimeMs: number } | undefined;
    try {
      after = fstatSync(fd);
    } catch {
      after = undefined;
    } finally {
      closeSync(fd);
    }
    if (!after || after.size !== this.size || after.mtimeMs !== this.mtimeMs) {
      throw changedError();
    }
  }

  /** Releases the descriptor (idempotent; `finish` does it on success). */
  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }
}

export function changedError(): GrcError {
  return new FileFailure(
    "the file changed while it was read (size or modification time differs); it was not linked",
    "push it again once it is complete",
  );
}

/** A local read problem as one FileFailure line ("cannot read the file: permission denied"). */
export function fileError(err: unknown): GrcError {
  if (err instanceof FileChangedError) {
    return new FileFailure(
      `${err.message}; it was not linked`,
      "push it again once it is complete",
    );
  }
  if (err instanceof GrcError) return err;
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === "EACCES" || e.code === "EPERM"
      ? "permission denied"
      : e.code === "ENOENT"
        ? "the file disappeared"
        : e.code === "EISDIR" || e.code === "ENOTFILE"
          ? "not a regular file"
          : (e.code ?? e.message);
  return new FileFailure(
    `cannot read the file: ${why}${e.code && e.code !== "ENOTFILE" ? ` (${e.code})` : ""}`,
    "check the file and its permissions",
  );
}
