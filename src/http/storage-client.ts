import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { type HttpError, UsageError } from "../errors.js";
import { discardBody, endOnRunAbort, readStorageError, signalCombiner } from "./body-limits.js";
import { createDispatcher } from "./dispatcher.js";
import { networkError, networkErrorCode } from "./error-decoder.js";
import { storageUrlForDisplay } from "./redact.js";
import { failureLine, headerRecord, requestLine, responseLine } from "./request-trace.js";
import { RetryLoop } from "./retry.js";
import type { ClientStats } from "./retry-budget.js";
import type { ClientOptions, StorageClient, StorageRequest, StorageResponse } from "./types.js";
import { checkedUrl } from "./url-policy.js";

/**
 * The client for presigned object-storage URLs. It has its own keep-alive pools and longer
 * timeouts, and it never carries platform credentials: the URL's query is the credential,
 * and anything else (Authorization, Cookie, org headers) would leak to the storage host.
 */

/** The StorageClient plus its counters (tests). */
export interface HttpStorageClient extends StorageClient {
  stats(): ClientStats;
}

/** Headers the storage client refuses to send, whoever asks. */
const FORBIDDEN_STORAGE_HEADERS = new Set([
  "authorization",
  "cookie",
  "proxy-authorization",
  "x-organization-id",
  "x-api-key",
  "x-authorization-content-sha256",
]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/**
 * A storage that took the whole body and then went silent until the timeout is not sent the
 * file again at once (each repeat costs a full upload and a full timeout): that file fails,
 * and a rerun sends it again (the state skips everything that was linked).
 */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT"]);

/** Creates the credential-free client for presigned storage URLs. */
export function createStorageClient(
  options: Omit<ClientOptions, "baseUrl" | "credential">,
): HttpStorageClient {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const retry = new RetryLoop(options);
  const stopSignalFor = signalCombiner(options.signal);
  const debug = options.debug;
  const dispatcher: Dispatcher = createDispatcher({
    env: options.env ?? {},
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    // Idle limits, not a total: a large upload may take longer than any fixed total.
    headersTimeoutMs: timeoutMs,
    bodyTimeoutMs: timeoutMs,
    caCert: options.caCert,
    debug,
  });
  const closePools = endOnRunAbort(options.signal, dispatcher);

  async function request(req: StorageRequest): Promise<StorageResponse> {
    let url = checkedUrl(req.url, "storage URL", options.insecure ?? false);
    let method: string = req.method.toUpperCase();
    let body = req.body;
    if (typeof body === "function" && req.contentLength === undefined) {
      throw new UsageError(
        "a streamed storage upload needs its Content-Length",
        "storage refuses chunked bodies; pass contentLength",
      );
    }
    const headers: Record<string, string> = { "user-agent": options.userAgent ?? "grc" };
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      const name = k.toLowerCase();
      if (!FORBIDDEN_STORAGE_HEADERS.has(name)) headers[name] = v;
    }
    if (req.contentLength !== undefined && body !== undefined) {
      headers["content-length"] = String(req.contentLength);
    }
    let redirects = 0;
    // The caller's signal and the run's: either aborts an upload in flight and any wait (the
    // run's through endOnRunAbort, the caller's own listened on per request).
    const { stop: stopSignal, inFlight } = stopSignalFor(req.signal);
    const outcome = await retry.run<Readable>(
      {
        method,
        host: () => url.host,
        signal: stopSignal,
        unrepeatable: TIMEOUT_CODES,
        networkFailure: (err, _code, attempts) =>
          networkError(err, {
            url: storageUrlForDisplay(url.href),
            attempts,
            timeoutMs,
            what: "storage",
          }),
      },
      async (n, of) => {
        const wireBody: string | Uint8Array | Readable | undefined =
          typeof body === "function" ? body() : body;
        const sent = body === undefined ? omit(headers, "content-length") : headers;
        debug?.(requestLine(method, storageUrlForDisplay(url.href), n, of, sent));
        const started = debug ? performance.now() : 0;
        let res: Dispatcher.ResponseData;
        try {
          res = await dispatcher.request({
            origin: url.origin,
            path: `${url.pathname}${url.search}`,
            method: method as Dispatcher.HttpMethod,
            headers: sent,
            body: wireBody ?? null,
            signal: inFlight ?? null,
          });
        } catch (err) {
          if (typeof wireBody === "object" && wireBody && "destroy" in wireBody) {
            (wireBody as Readable).destroy();
          }
          if (debug && !stopSignal?.aborted) {
            const ms = Math.round(performance.now() - started);
            const code = networkErrorCode(err);
            debug(failureLine(method, storageUrlForDisplay(url.href), ms, n, of, code));
          }
          throw err;
        }
        const resHeaders = headerRecord(res.headers);
        if (debug) {
          const ms = Math.round(performance.now() - started);
          const shown = resHeaders.location
            ? { ...resHeaders, location: storageUrlForDisplay(resHeaders.location) }
            : resHeaders;
          debug(
            responseLine(res.statusCode, method, storageUrlForDisplay(url.href), ms, n, of, shown),
          );
        }
        if (REDIRECT_STATUSES.has(res.statusCode) && resHeaders.location) {
          const next = new URL(resHeaders.location, url);
          redirects += 1;
          if (redirects <= MAX_REDIRECTS) {
            discardBody(res.body);
            url = checkedUrl(next.href, "storage redirect target", options.insecure ?? false);
            if (res.statusCode === 303) {
              method = "GET";
              body = undefined;
            }
            return { kind: "redirected" };
          }
        }
        // 403 is not a retryable status: "Request has expired" needs a fresh URL, not a repeat.
        return {
          kind: "response",
          status: res.statusCode,
          headers: resHeaders,
          value: res.body,
          release: () => discardBody(res.body),
        };
      },
    );
    return { status: outcome.status, headers: outcome.headers, body: outcome.value };
  }

  return {
    request,
    stats: () => retry.budget.snapshot(),
    async close() {
      await closePools();
    },
  };
}

function omit(headers: Record<string, string>, name: string): Record<string, string> {
  const { [name]: _dropped, ...rest } = headers;
  return rest;
}

export { readStorageError } from "./body-limits.js";

/**
 * What a PUT to a presigned URL came to, decoded once: `ok` (2xx; the answer's body is
 * dropped, never waited for), `expired` (S3's 403 "Request has expired": a fresh URL fixes
 * it), or `error` with the status kept (any other non-2xx, its body read bounded in size and
 * time and decoded from S3's XML). Network errors after the client's retries still throw.
 */
export type StorageOutcome =
  | { kind: "ok" }
  | { kind: "expired"; error: HttpError }
  | { kind: "error"; status: number; error: HttpError };

/** PUTs a body to a presigned URL through any StorageClient and decodes the answer once. */
export async function storagePut(
  client: StorageClient,
  req: Omit<StorageRequest, "method">,
): Promise<StorageOutcome> {
  const res = await client.request({ ...req, method: "PUT" });
  return storageOutcome(res, "PUT", req.url, req.signal);
}

/** Decodes a storage answer (see StorageOutcome). */
export async function storageOutcome(
  res: StorageResponse,
  method: string,
  url: string,
  signal?: AbortSignal,
): Promise<StorageOutcome> {
  if (res.status >= 200 && res.status < 300) {
    discardBody(res.body, res.headers["content-length"]);
    return { kind: "ok" };
  }
  const error = await readStorageError(res, method, url, new Date(), signal);
  // S3 says "Request has expired" with 403 AccessDenied. Any other 403 (a signature or
  // Content-Type mismatch, a policy) would fail the same way again with a fresh URL.
  if (
    res.status === 403 &&
    /request has expired|expired/i.test(error.details.join(" ") + error.message)
  ) {
    return { kind: "expired", error };
  }
  return { kind: "error", status: res.status, error };
}
