import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import type { FaultInjector, FaultKind } from "./faults.js";
import type { MockClock, RequestLog } from "./state.js";
import {
  type BuiltinObjectStore,
  etagOf,
  HashingCounter,
  MOCK_BUCKET,
  receiveInto,
} from "./storage.js";

/**
 * The mock's storage origin: presigned PUT/GET/HEAD on `/{bucket}/{object_key}`, answered
 * the way S3 answers them (XML errors, 411 for chunked bodies, EntityTooLarge from the
 * Content-Length before a byte is read). Bodies stream to the store once, hashed on the way;
 * a body that ends short, runs long or stalls is thrown away: nothing half-stored.
 */

/** What the storage origin needs from the server. */
export interface StorageOriginDeps {
  store: BuiltinObjectStore;
  faults: FaultInjector;
  log: RequestLog;
  clock: MockClock;
  maxSize: number;
  slowMs: number;
  bodyTimeoutMs: number;
  /** Sockets whose HTTP stream broke (bytes after a body that the parser rejected). */
  brokenSockets: WeakSet<Socket>;
}

/** S3's error document. */
export function s3ErrorXml(code: string, message: string): string {
  const requestId = randomBytes(8).toString("hex").toUpperCase();
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
}

function xmlEscape(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

const FAULT_REPLIES: Partial<Record<FaultKind, [number, string, string]>> = {
  "429": [429, "SlowDown", "Please reduce your request rate."],
  "500": [500, "InternalError", "We encountered an internal error. Please try again."],
  "503": [503, "ServiceUnavailable", "Service is unable to handle request."],
  expire: [403, "AccessDenied", "Request has expired"],
};

/** S3's message for a body that ends before (or runs past) its declared Content-Length. */
const INCOMPLETE_BODY =
  "You did not provide the number of bytes specified by the Content-Length HTTP header.";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates the request handler of the storage origin (also used for `checkContinue`). */
export function createStorageOrigin(deps: StorageOriginDeps) {
  const { store, log, clock } = deps;

  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    expectsContinue = false,
  ): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://storage.invalid");
    const contentType = req.headers["content-type"] ?? "";
    const lengthHeader = req.headers["content-length"];
    const contentLength = lengthHeader === undefined ? null : Number(lengthHeader);
    let fault: FaultKind | undefined;
    const record = (status: number) =>
      log.add({
        origin: "storage",
        method,
        path: url.pathname,
        query: "",
        status,
        authorization: req.headers.authorization !== undefined,
        cookie: req.headers.cookie !== undefined,
        content_type: contentType || null,
        content_length: contentLength,
        fault: fault ?? null,
        time: clock.now().toISOString(),
      });
    const fail = (status: number, code: string, message: string, close = true) => {
      const body = s3ErrorXml(code, message);
      const headers: Record<string, string | number> = {
        "Content-Type": "application/xml",
        "Content-Length": Buffer.byteLength(body),
      };
      // The body was not read: close rather than drain a possibly huge upload.
      if (close && method === "PUT") headers.Connection = "close";
      if (status === 429 || status === 503) headers["Retry-After"] = "0";
      res.writeHead(status, headers);
      res.end(method === "HEAD" ? undefined : body);
      record(status);
    };

    fault = deps.faults.decide();
    if (fault === "reset") {
      // Headers and a few bytes, then the connection dies: the client must not trust it.
      res.writeHead(200, { "Content-Type": "application/xml", "Content-Length": 1024 });
      res.write("<?xml");
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault === "slow") await sleep(deps.slowMs);
    const reply = fault ? FAULT_REPLIES[fault] : undefined;
    if (reply) return fail(reply[0], reply[1], reply[2]);

    const match = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match || match[1] !== MOCK_BUCKET) {
      return fail(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    let key: string;
    try {
      key = match[2]!.split("/").map(decodeURIComponent).join("/");
    } catch {
      return fail(400, "InvalidURI", "Couldn't parse the specified URI.");
    }
    if (method !== "PUT" && method !== "GET" && method !== "HEAD") {
      return fail(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
      );
    }
    const rejection = store.signer.check(method, key, contentType, url.searchParams, clock.now());
    if (rejection) return fail(rejection.status, rejection.code, rejection.message);

    if (method !== "PUT") {
      const meta = store.head(key);
      const body = meta ? store.read(key) : undefined;
      if (!meta || !body) return fail(404, "NoSuchKey", "The specified key does not exist.");
      res.writeHead(200, {
        "Content-Type": meta.content_type,
        "Content-Length": meta.size,
        ETag: meta.etag,
      });
      record(200);
      if (method === "HEAD") {
        body.destroy();
        res.end();
        return;
      }
      // pipeline closes the file when the client goes away mid-download.
      pipeline(body, res).catch(() => {});
      return;
    }

    if (lengthHeader === undefined) {
      // S3 refuses chunked uploads to presigned URLs: it must know the size up front.
      return fail(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
    }
    if (contentLength === null || !Number.isSafeInteger(contentLength) || contentLength < 0) {
      return fail(400, "InvalidArgument", "Content-Length is not a valid number.");
    }
    if (contentLength > deps.maxSize) {
      return fail(
        400,
        "EntityTooLarge",
        `Your proposed upload exceeds the maximum allowed size of ${deps.maxSize} bytes.`,
      );
    }
    if (expectsContinue) res.writeContinue();

    const writer = await store.begin(key, contentType);
    const alteration = fault === "corrupt" || fault === "truncate" ? fault : undefined;
    const counter = new HashingCounter(alteration, contentLength);
    const receiving = receiveInto(req, counter, writer);
    let timedOut = false;
    // One timer for the whole body, pushed back by every chunk (refresh, not a new timer).
    const timer = setTimeout(() => {
      timedOut = true;
      receiving.stop(new Error("body timeout"));
    }, deps.bodyTimeoutMs);
    req.on("data", () => timer.refresh());
    try {
      await receiving.done;
    } catch {
      clearTimeout(timer);
      await writer.abort();
      if (timedOut && !res.headersSent && !req.socket.destroyed) {
        // S3's answer to a body that stops short of its Content-Length; then hang up.
        res.once("finish", () => req.socket.destroy());
        fail(400, "IncompleteBody", INCOMPLETE_BODY);
      } else {
        record(0);
      }
      return;
    }
    clearTimeout(timer);
    // Bytes after the body that the parser rejected mean the client sent more than it
    // declared: the declared bytes are not what it meant to store. Let the parser run first.
    await new Promise((r) => setImmediate(r));
    if (counter.bytes !== contentLength || deps.brokenSockets.has(req.socket)) {
      await writer.abort();
      if (!req.socket.destroyed) {
        fail(400, "IncompleteBody", INCOMPLETE_BODY);
      } else {
        record(0);
      }
      return;
    }
    // ETag and the answer describe what the client sent; state lists what was really stored.
    const digest = counter.storedDigest();
    const etag = etagOf(digest.sent);
    await writer.commit({ sha256: digest.stored, size: counter.storedBytes, etag });
    res.writeHead(200, { ETag: etag, "Content-Length": 0 });
    res.end();
    record(200);
  };
}
