import {
  createHash,
  createHmac,
  type Hash,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, open, rename, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform, type TransformCallback, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * Object storage behind the mock's evidence API. The built-in store keeps objects on disk
 * (a temp directory by default) or in memory and mints presigned URLs for the mock's own
 * storage origin; src/mock/storage-s3.ts puts a real S3-compatible server behind the same
 * interface.
 */

/** The bucket name in built-in storage URLs (`/{bucket}/{object_key}`). */
export const MOCK_BUCKET = "grc-evidence";

/**
 * Read size for re-reading a stored object (verify, downloads): with 1 MiB reads into two
 * reused buffers verify hashes a 1 GiB object from the page cache in about half the CPU
 * time a default stream (64 KiB reads, a fresh buffer each) takes.
 */
export const OBJECT_READ_BYTES = 1024 * 1024;

/**
 * Bytes an upload may buffer on the way to its file: while one write is in flight the next
 * chunks queue and go to disk in one writev, instead of one write per 64 KiB socket read.
 */
export const OBJECT_WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * The ETag the built-in store answers for an upload: the quoted SHA-256 hex of the bytes
 * received. S3 documents the ETag as opaque ("may or may not be an MD5 digest", it is not for
 * SSE-KMS objects or multipart uploads); the store hashes every upload with SHA-256 anyway, so
 * the tag costs nothing, where an MD5 took more CPU than the rest of the receive path.
 */
export function etagOf(sha256Hex: string): string {
  return `"${sha256Hex}"`;
}

/** The presigned-URL algorithm name of the built-in store (S3's parameter names, our own HMAC). */
export const MOCK_SIGNING_ALGORITHM = "GRC-MOCK-HMAC-SHA256";

/** One stored object as GET /__mock/state lists it. */
export interface StoredObject {
  object_key: string;
  sha256: string;
  size: number;
  content_type: string;
  /**
   * An opaque entity tag that changes with the content, as S3 documents its ETag: here the
   * quoted SHA-256 hex of the bytes the client sent (not an MD5; see etagOf).
   */
  etag: string;
  stored_at: string;
}

/** A stored object's bytes re-read and hashed (what verify reports). */
export interface ObjectDigest {
  sha256: string;
  size: number;
  content_type: string;
}

/** What the evidence API needs from storage, whichever backend holds the bytes. */
export interface ObjectStore {
  readonly kind: "builtin" | "s3";
  /** A presigned URL for `method` on `key`, valid `expiresIn` seconds from `now`. */
  presign(
    method: "PUT" | "GET",
    key: string,
    contentType: string,
    expiresIn: number,
    now: Date,
  ): string | Promise<string>;
  /** Re-reads the stored bytes and hashes them; undefined when no such object exists. */
  digest(key: string): Promise<ObjectDigest | undefined>;
  /** Hash and size as recorded when the object was stored (no re-read when the store knows them). */
  stat(key: string): Promise<ObjectDigest | undefined>;
  /** Objects the mock knows about (for /__mock/state). */
  list(): StoredObject[];
  /** Forgets every object. */
  clear(): Promise<void>;
  /** Releases files and connections. */
  close(): Promise<void>;
}

/** `yyyymmddThhmmssZ`, the X-Amz-Date format. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** Parses an X-Amz-Date value; undefined when malformed. */
export function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Percent-encodes each segment of an object key for a URL path (slashes stay). */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/** Why a presigned request was refused, as an S3 error. */
export interface PresignRejection {
  status: number;
  code: "AccessDenied" | "SignatureDoesNotMatch";
  message: string;
}

/** Signs and checks the built-in store's presigned URLs with a secret only the mock knows. */
export class PresignSigner {
  private readonly secret: Buffer;
  constructor(secret: Buffer = randomBytes(32)) {
    this.secret = secret;
  }

  private signature(
    method: string,
    key: string,
    contentType: string,
    date: string,
    expires: string,
  ): string {
    // Method, key, content type, date and lifetime: changing any of them breaks the URL.
    const toSign = [MOCK_SIGNING_ALGORITHM, method, key, contentType, date, expires].join("\n");
    return createHmac("sha256", this.secret).update(toSign).digest("hex");
  }

  /** The presigned query string (without "?") for method/key/content type. */
  query(method: "PUT" | "GET", key: string, contentType: string, expiresIn: number, now: Date) {
    const date = amzDate(now);
    const expires = String(expiresIn);
    const params = new URLSearchParams({
      "X-Amz-Algorithm": MOCK_SIGNING_ALGORITHM,
      "X-Amz-Date": date,
      "X-Amz-Expires": expires,
      "X-Amz-SignedHeaders": method === "PUT" ? "content-type" : "host",
      "X-Amz-Signature": this.signature(
        method,
        key,
        method === "PUT" ? contentType : "",
        date,
        expires,
      ),
    });
    return params.toString();
  }

  /**
   * Checks a request against its presigned query, the way S3 does: a signature that does
   * not cover this method, key and Content-Type is SignatureDoesNotMatch; a valid one past
   * its lifetime (by the server clock) is AccessDenied "Request has expired".
   */
  check(
    method: string,
    key: string,
    contentType: string,
    query: URLSearchParams,
    now: Date,
  ): PresignRejection | undefined {
    const algorithm = query.get("X-Amz-Algorithm");
    const date = query.get("X-Amz-Date");
    const expires = query.get("X-Amz-Expires");
    const given = query.get("X-Amz-Signature");
    if (!algorithm || !date || !expires || !given) {
      return {
        status: 403,
        code: "AccessDenied",
        message:
          "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Date, X-Amz-Expires and X-Amz-Signature parameters",
      };
    }
    const signedMethod = method === "HEAD" ? "GET" : method;
    const expected = this.signature(
      signedMethod,
      key,
      signedMethod === "PUT" ? contentType : "",
      date,
      expires,
    );
    const a = Buffer.from(expected, "hex");
    const b = Buffer.from(/^[0-9a-f]+$/i.test(given) ? given : "", "hex");
    if (algorithm !== MOCK_SIGNING_ALGORITHM || a.length !== b.length || !timingSafeEqual(a, b)) {
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message:
          "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      };
    }
    const start = parseAmzDate(date);
    const seconds = Number(expires);
    if (!start || !Number.isInteger(seconds) || seconds < 1 || seconds > 604_800) {
      return {
        status: 403,
        code: "AccessDenied",
        message: "X-Amz-Date or X-Amz-Expires is not valid",
      };
    }
    if (now.getTime() > start.getTime() + seconds * 1000) {
      return { status: 403, code: "AccessDenied", message: "Request has expired" };
    }
    return undefined;
  }
}

/** An upload in progress: bytes go in once, hashed on the way; commit or abort. */
export interface ObjectWriter {
  /** The sink the request body is piped into (hashing and counting happen before it). */
  readonly sink: Writable;
  /** Makes the object visible under its key (replacing any older one); sha256/size of the stored bytes. */
  commit(meta: { sha256: string; size: number; etag: string }): Promise<StoredObject>;
  /** Throws the partial bytes away. */
  abort(): Promise<void>;
}

interface Entry {
  meta: StoredObject;
  /** In-memory bytes, or the file that holds them. */
  chunks?: Buffer[];
  file?: string;
}

/** The store behind the mock's own storage origin (memory or a directory). */
export class BuiltinObjectStore implements ObjectStore {
  readonly kind = "builtin" as const;
  readonly signer: PresignSigner;
  private readonly objects = new Map<string, Entry>();
  private dir: string | undefined;
  private readonly ownsDir: boolean;
  private readonly memory: boolean;
  private ready: Promise<void> | undefined;

  /** `objectsDir`: "memory", a directory to keep objects in, or undefined for a temp directory. */
  constructor(
    private readonly storageUrl: () => string,
    objectsDir?: string,
    signer = new PresignSigner(),
  ) {
    this.signer = signer;
    this.memory = objectsDir === "memory";
    this.ownsDir = objectsDir === undefined;
    this.dir = this.memory || this.ownsDir ? undefined : objectsDir;
  }

  private async directory(): Promise<string> {
    this.ready ??= (async () => {
      if (this.ownsDir) this.dir = await mkdtemp(join(tmpdir(), "grc-mock-objects-"));
      await mkdir(join(this.dir!, "objects"), { recursive: true });
      await mkdir(join(this.dir!, "partial"), { recursive: true });
    })();
    await this.ready;
    return this.dir!;
  }

  presign(method: "PUT" | "GET", key: string, contentType: string, expiresIn: number, now: Date) {
    const query = this.signer.query(method, key, contentType, expiresIn, now);
    return `${this.storageUrl()}/${MOCK_BUCKET}/${encodeKeyPath(key)}?${query}`;
  }

  /** Metadata of one object without reading it. */
  head(key: string): StoredObject | undefined {
    return this.objects.get(key)?.meta;
  }

  /** Streams an object's bytes; undefined when absent. */
  read(key: string): Readable | undefined {
    const entry = this.objects.get(key);
    if (!entry) return undefined;
    if (entry.chunks) return Readable.from(entry.chunks);
    return createReadStream(entry.file!, { highWaterMark: OBJECT_READ_BYTES });
  }

  async digest(key: string): Promise<ObjectDigest | undefined> {
    const entry = this.objects.get(key);
    if (!entry) return undefined;
    const hash = createHash("sha256");
    let size = 0;
    if (entry.chunks) {
      for (const chunk of entry.chunks) {
        hash.update(chunk);
        size += chunk.length;
      }
    } else {
      size = await hashFile(entry.file!, hash);
    }
    return { sha256: hash.digest("hex"), size, content_type: entry.meta.content_type };
  }

  async stat(key: string): Promise<ObjectDigest | undefined> {
    const meta = this.objects.get(key)?.meta;
    return meta
      ? { sha256: meta.sha256, size: meta.size, content_type: meta.content_type }
      : undefined;
  }

  /** Starts an upload of `key`; nothing is visible until commit. */
  async begin(key: string, contentType: string): Promise<ObjectWriter> {
    const finish = (entry: Entry, meta: { sha256: string; size: number; etag: string }) => {
      const stored: StoredObject = {
        object_key: key,
        sha256: meta.sha256,
        size: meta.size,
        content_type: contentType,
        etag: meta.etag,
        stored_at: new Date().toISOString(),
      };
      entry.meta = stored;
      const old = this.objects.get(key);
      this.objects.set(key, entry);
      if (old?.file && old.file !== entry.file) unlink(old.file).catch(() => {});
      return stored;
    };
    if (this.memory) {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      return {
        sink,
        commit: async (meta) => finish({ meta: undefined as never, chunks }, meta),
        abort: async () => {
          chunks.length = 0;
        },
      };
    }
    const dir = await this.directory();
    const name = randomUUID();
    const partial = join(dir, "partial", name);
    const final = join(dir, "objects", name);
    const sink = createWriteStream(partial, { highWaterMark: OBJECT_WRITE_BUFFER_BYTES });
    return {
      sink,
      commit: async (meta) => {
        await rename(partial, final);
        return finish({ meta: undefined as never, file: final }, meta);
      },
      abort: async () => {
        // Wait for the stream to close: a file still being opened would appear after rm.
        if (!sink.closed) {
          await new Promise<void>((resolve) => {
            sink.once("close", () => resolve());
            sink.destroy();
          });
        }
        await rm(partial, { force: true });
      },
    };
  }

  list(): StoredObject[] {
    return [...this.objects.values()].map((e) => e.meta);
  }

  async clear(): Promise<void> {
    const files = [...this.objects.values()].flatMap((e) => (e.file ? [e.file] : []));
    this.objects.clear();
    await Promise.all(files.map((f) => rm(f, { force: true })));
  }

  async close(): Promise<void> {
    if (this.ownsDir && this.dir) {
      await rm(this.dir, { recursive: true, force: true });
    } else {
      await this.clear();
    }
    this.objects.clear();
  }
}

/**
 * Feeds a file's bytes to `hash` and returns how many there were. Two buffers take turns: the
 * next read runs while the last one is hashed, and the same memory is used for the whole file
 * (a stream allocates a fresh buffer per read, which costs more than the hashing on 1 GiB).
 */
async function hashFile(path: string, hash: Hash): Promise<number> {
  const file = await open(path, "r");
  try {
    const buffers = [Buffer.allocUnsafe(OBJECT_READ_BYTES), Buffer.allocUnsafe(OBJECT_READ_BYTES)];
    let turn = 0;
    let size = 0;
    let next = file.read(buffers[0]!, 0, OBJECT_READ_BYTES, 0);
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return size;
      size += bytesRead;
      turn ^= 1;
      next = file.read(buffers[turn]!, 0, OBJECT_READ_BYTES, size);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
}

/** How a fault alters what storage keeps: flip the first byte, or keep only the first half. */
export type StoredAlteration = "corrupt" | "truncate";

/**
 * A Transform that hashes (SHA-256) and counts the bytes it passes. With an
 * alteration (a fault for issue 7) storage keeps other bytes than the client sent, which
 * only verify can notice: `corrupt` flips the first byte, `truncate` keeps the first half.
 */
export class HashingCounter extends Transform {
  readonly sha256 = createHash("sha256");
  bytes = 0;
  /** Bytes forwarded to storage. */
  storedBytes = 0;
  /** SHA-256 of the bytes forwarded to storage (only kept when altering). */
  private readonly storedSha256: ReturnType<typeof createHash> | undefined;
  private corruptNext: boolean;
  private readonly keep: number;

  /** `expected`: the declared Content-Length (truncate keeps half of it). */
  constructor(alteration?: StoredAlteration, expected = 0) {
    super();
    this.corruptNext = alteration === "corrupt";
    this.keep = alteration === "truncate" ? Math.floor(expected / 2) : Number.POSITIVE_INFINITY;
    this.storedSha256 = alteration ? createHash("sha256") : undefined;
  }

  private forward(chunk: Buffer): void {
    this.storedSha256?.update(chunk);
    this.storedBytes += chunk.length;
    this.push(chunk);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.sha256.update(chunk);
    this.bytes += chunk.length;
    let out = chunk;
    if (this.storedBytes + out.length > this.keep) {
      out = out.subarray(0, Math.max(0, this.keep - this.storedBytes));
    }
    if (this.corruptNext && out.length > 0) {
      this.corruptNext = false;
      out = Buffer.from(out);
      out[0] = (out[0]! ^ 0xff) & 0xff;
    }
    if (out.length > 0) this.forward(out);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    // An empty body cannot have a byte flipped: store one byte instead.
    if (this.corruptNext) this.forward(Buffer.from([0x00]));
    cb();
  }

  /** Hex SHA-256 of what the client sent and of what was stored (call once, at the end). */
  storedDigest(): { sent: string; stored: string } {
    const sent = this.sha256.digest("hex");
    return { sent, stored: this.storedSha256 ? this.storedSha256.digest("hex") : sent };
  }
}

/**
 * Pipes a request body through a HashingCounter into a writer's sink. Rejects when the
 * body ends early (the client closed the connection) or `stop` is called; the request
 * stream itself is left alone so the caller can still answer on its socket.
 */
export function receiveInto(
  body: Readable & { complete?: boolean },
  counter: HashingCounter,
  writer: ObjectWriter,
): { done: Promise<void>; stop(reason: Error): void } {
  let stop: (reason: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const out = pipeline(counter, writer.sink);
    const fail = (err: Error) => {
      body.unpipe(counter);
      counter.destroy(err);
      reject(err);
    };
    stop = fail;
    // The client may have gone while the store was getting ready.
    if (body.destroyed && !body.complete) {
      fail(new Error("request body ended early"));
      return;
    }
    body.on("close", () => {
      if (!body.complete) fail(new Error("request body ended early"));
    });
    body.on("error", fail);
    body.pipe(counter);
    out.then(resolve, reject);
  });
  done.catch(() => {});
  return { done, stop: (reason) => stop(reason) };
}
