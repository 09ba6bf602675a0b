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

/** node's code for a stream that closed before its end. */
const PREMATURE_CLOSE = "ERR_STREAM_PREMATURE_CLOSE";

/** A body larger than its limit (exit 4). */
export class BodyTooLargeError extends UnavailableError {}

/** A body that did not arrive whole in its time (exit 4). */
export class BodyTimeoutError extends UnavailableError {}

/**
 * Reads a response body under a size cap and a total time limit. "cut" returns what fits
 * (and what arrived in time); "fail" throws a one-line error. The stream is destroyed
 * whenever reading stops early, so the connection is not kept waiting for the rest.
 * Read through its events, not an async iterator: a push reads thousands of small answers,
 * and the iterator's promise per chunk costs more than the answer.
 */
export function readBody(
  body: Readable,
  limit: BodyLimit,
  declaredLength?: string | undefined,
): Promise<Buffer> {
  const declared = declaredLength !== undefined ? Number(declaredLength) : Number.NaN;
  if (limit.over === "fail" && Number.isFinite(declared) && declared > limit.maxBytes) {
    body.destroy();
    return Promise.reject(tooLarge(limit, declared));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    /** Settles once; later events of the stream (its close, a destroy's error) are ignored. */
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      limit.signal?.removeEventListener("abort", onAbort);
      if (limit.signal?.aborted) reject(new InterruptedError());
      else if (err !== undefined) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    /** Stops reading: settles (with what arrived, or `err`) and drops the rest. */
    const stop = (err?: unknown) => {
      settle(err);
      body.destroy();
    };
    // A cut body keeps what arrived in time; a body that must be whole fails.
    const timer = setTimeout(
      () => stop(limit.over === "cut" ? undefined : slow(limit)),
      limit.timeMs,
    );
    const onAbort = () => stop();
    limit.signal?.addEventListener("abort", onAbort, { once: true });
    body.on("data", (chunk: Buffer | Uint8Array) => {
      if (settled) return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (size + buf.length > limit.maxBytes) {
        if (limit.over === "fail") return stop(tooLarge(limit));
        chunks.push(buf.subarray(0, limit.maxBytes - size));
        size = limit.maxBytes;
        return stop();
      }
      chunks.push(buf);
      size += buf.length;
    });
    body.on("end", () => settle());
    // Any other failure is the caller's to report.
    body.on("error", (err) => settle(err));
    // Closed with neither an end nor an error: cut short, as stream.finished reports it. (Every
    // body closes after its end: the error is built only when it is needed.)
    body.on("close", () => {
      if (!settled) settle(Object.assign(new Error("Premature close"), { code: PREMATURE_CLOSE }));
    });
    if (limit.signal?.aborted) stop();
  });
}

/**
 * Drops a body grc does not need (a storage 2xx, a redirect's, a retried error's) without
 * waiting for it. An answer that declares `Content-Length: 0` (S3's PUT answer) has nothing
 * left to arrive: it is drained, and its connection goes back to the pool without the abort
 * (and the error object) that destroying it costs. Any other body is cut off at once, so one
 * that trickles or never ends holds neither the file nor the connection.
 */
export function discardBody(body: Readable, declaredLength?: string | undefined): void {
  body.on("error", () => {});
  if (declaredLength === "0") body.resume();
  else body.destroy();
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

/** The signals of one request of a client (see signalCombiner). */
export interface RequestSignals {
  /** The caller's signal and the run's: ends waits, and is checked before each attempt. */
  stop: AbortSignal | undefined;
  /**
   * What the request in flight and its body read listen on: the caller's own signal (with the
   * run's), or undefined when the caller passed none or the run's. The run's signal is the
   * client's to watch, once (`endOnRunAbort`): a bulk run sends thousands of requests, and a
   * listener per request costs an add and a remove on the signal each time.
   */
  inFlight: AbortSignal | undefined;
}

/**
 * The signals of each request of a client: the caller's signal combined with the run's. A bulk
 * run passes the same signal with every request, so the combination is made once per caller
 * signal, not per request.
 */
export function signalCombiner(
  runSignal: AbortSignal | undefined,
): (callerSignal: AbortSignal | undefined) => RequestSignals {
  const combined = new WeakMap<AbortSignal, AbortSignal>();
  const stopSignal = (callerSignal: AbortSignal | undefined) => {
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
  return (callerSignal) => {
    const stop = stopSignal(callerSignal);
    const own = callerSignal !== undefined && callerSignal !== runSignal;
    return { stop, inFlight: own ? stop : undefined };
  };
}

/**
 * Ends every request a client has in flight, body reads included, when the run's signal
 * aborts: its connection pools are destroyed (one listener per client, see RequestSignals).
 * The retry loop then reports the interruption, and the client sends nothing more. Returns
 * the client's close.
 */
export function endOnRunAbort(
  runSignal: AbortSignal | undefined,
  pools: { destroy(): Promise<void>; close(): Promise<void> },
): () => Promise<void> {
  if (runSignal) {
    const end = () => {
      pools.destroy().catch(() => {});
    };
    if (runSignal.aborted) end();
    else runSignal.addEventListener("abort", end, { once: true });
  }
  // The client's close: after the run's signal the pools are destroyed already, so nothing is
  // left to wait for; otherwise requests in flight finish first.
  return () => (runSignal?.aborted ? pools.destroy() : pools.close());
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
