import { setMaxListeners } from "node:events";
import type { Readable } from "node:stream";
import { type HttpError, InterruptedError, UnavailableError } from "../errors.js";
import { decodeHttpError } from "./error-decoder.js";
import { storageUrlForDisplay, storageUrlSecrets } from "./redact.js";
import type { StorageResponse } from "./types.js";

/**
 * Bounds on what grc reads from a server: a hostile or broken server can send an endless
 * body, or trickle one byte at a time so that idle timeouts never fire. Every response body
 * is read through `readBody` (a size cap and a total time limit) or dropped by `discardBody`.
 * The limits per kind of answer are documented in docs/reliability.md.
 */

/** A platform API answer that grc parses (JSON, a JSON:API page): fail beyond this. */
export const MAX_API_BODY = 32 * 1024 * 1024;
/** An error body (API or storage): only its first bytes are decoded; the rest is dropped. */
export const MAX_ERROR_BODY = 64 * 1024;
/** Time allowed to read an error body whole; a trickled one is cut there. */
export const ERROR_BODY_TIME_MS = 10_000;

/** How to read one body. */
export interface BodyLimit {
  /** Bytes allowed. */
  maxBytes: number;
  /** "fail": beyond maxBytes is an error; "cut": keep the first maxBytes and stop reading. */
  over: "fail" | "cut";
  /** Total time to read the body (not an idle limit). */
  timeMs: number;
  /** Aborts the read (the run's signal). */
  signal?: AbortSignal | undefined;
  /** What the body is, for the error line ("the answer to GET /api/v2/alerts"). */
  what: string | (() => string);
}

/** A body larger than its limit (exit 4). */
export class BodyTooLargeError extends UnavailableError {}

/** A body that did not arrive whole in its time (exit 4). */
export class BodyTimeoutError extends UnavailableError {}

/**
 * Reads a response body under a size cap and a total time limit. "cut" returns what fits
 * (and what arrived in time); "fail" throws a one-line error. The stream is destroyed
 * whenever reading stops early, so the connection is not kept waiting for the rest.
 */
export async function readBody(
  body: Readable,
  limit: BodyLimit,
  declaredLength?: string | undefined,
): Promise<Buffer> {
  const declared = declaredLength !== undefined ? Number(declaredLength) : Number.NaN;
  if (limit.over === "fail" && Number.isFinite(declared) && declared > limit.maxBytes) {
    body.destroy();
    throw tooLarge(limit, declared);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    body.destroy();
  }, limit.timeMs);
  const onAbort = () => body.destroy();
  limit.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      if (size + buf.length > limit.maxBytes) {
        if (limit.over === "fail") throw tooLarge(limit);
        chunks.push(buf.subarray(0, limit.maxBytes - size));
        size = limit.maxBytes;
        body.destroy();
        break;
      }
      chunks.push(buf);
      size += buf.length;
    }
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      body.destroy();
      throw err;
    }
    if (limit.signal?.aborted) throw new InterruptedError();
    // A cut body keeps what arrived in time; any other failure is the caller's to report.
    if (!(timedOut && limit.over === "cut")) {
      if (timedOut) throw slow(limit);
      throw err;
    }
  } finally {
    clearTimeout(timer);
    limit.signal?.removeEventListener("abort", onAbort);
  }
  if (limit.signal?.aborted) throw new InterruptedError();
  if (timedOut && limit.over === "fail") throw slow(limit);
  return Buffer.concat(chunks);
}

/** Drops a body grc does not need (a storage 2xx, a redirect's, a retried error's) without waiting for it. */
export function discardBody(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}

/** The body's description, built only when an error needs it. */
function described(limit: BodyLimit): string {
  return typeof limit.what === "function" ? limit.what() : limit.what;
}

function tooLarge(limit: BodyLimit, declared?: number): BodyTooLargeError {
  const size = declared !== undefined ? ` (${declared} bytes declared)` : "";
  return new BodyTooLargeError(
    `${described(limit)} is larger than grc accepts (${limit.maxBytes} bytes)${size}; nothing of it was used`,
    "check that the base URL points at the platform API; report it to the platform operator if it persists",
  );
}

function slow(limit: BodyLimit): BodyTimeoutError {
  return new BodyTimeoutError(
    `${described(limit)} did not arrive whole within ${Math.round(limit.timeMs / 1000)}s`,
    "the server sends its answer too slowly; try again later or raise --timeout",
  );
}

/** One signal that aborts when any of the given ones does (undefined when none is given). */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) return AbortSignal.any(given);
  const signal = given[0]!;
  if (!shared.has(signal)) {
    // One signal (the run's) is handed to every request in flight, each of which listens on
    // it while it runs: many listeners are expected, not a leak.
    shared.add(signal);
    setMaxListeners(0, signal);
  }
  return signal;
}

/** Signals whose listener limit anySignal already lifted. */
const shared = new WeakSet<AbortSignal>();

/**
 * The stop signal of each request of a client: the caller's signal combined with the run's.
 * A bulk run passes the same signal with every request, so the combination is made once per
 * caller signal, not per request.
 */
export function signalCombiner(
  runSignal: AbortSignal | undefined,
): (callerSignal: AbortSignal | undefined) => AbortSignal | undefined {
  const combined = new WeakMap<AbortSignal, AbortSignal>();
  return (callerSignal) => {
    if (!callerSignal || !runSignal || callerSignal === runSignal) {
      return anySignal(callerSignal ?? runSignal);
    }
    let signal = combined.get(callerSignal);
    if (!signal) {
      signal = AbortSignal.any([callerSignal, runSignal]);
      setMaxListeners(0, signal);
      combined.set(callerSignal, signal);
    }
    return signal;
  };
}

/**
 * Reads a failed storage response (64 KiB within 10 s at most) and decodes its S3 XML into one HttpError line;
 * the caller decides what a 403 "Request has expired" means.
 */
export async function readStorageError(
  res: StorageResponse,
  method: string,
  url: string,
  now: Date = new Date(),
  signal?: AbortSignal,
): Promise<HttpError> {
  // Only the first 64 KiB, within 10 s: a trickled or endless error body is cut there.
  const body = await readBody(res.body, {
    maxBytes: MAX_ERROR_BODY,
    over: "cut",
    timeMs: ERROR_BODY_TIME_MS,
    signal,
    what: "the storage error body",
  });
  return decodeHttpError({
    status: res.status,
    headers: res.headers,
    body,
    method,
    // Never the query: it is the credential (see storageUrlForDisplay).
    url: storageUrlForDisplay(url).replace(/\?\[query hidden\]$/, ""),
    now,
    secrets: storageUrlSecrets(url),
  });
}
