import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { GrcError, HttpError, UnavailableError, UsageError } from "../errors.js";
import { credentialHeaders, credentialSecrets, JSON_MEDIA_TYPE } from "./auth/signer.js";
import {
  discardBody,
  ERROR_BODY_TIME_MS,
  endOnRunAbort,
  MAX_API_BODY,
  MAX_ERROR_BODY,
  readBody,
  signalCombiner,
} from "./body-limits.js";
import { createDispatcher } from "./dispatcher.js";
import { decodeHttpError, displayTarget, networkError, networkErrorCode } from "./error-decoder.js";
import { redactUrl, scrubSecrets } from "./redact.js";
import { failureLine, headerRecord, requestLine, responseLine } from "./request-trace.js";
import { type AttemptResult, RetryLoop } from "./retry.js";
import type { ClientStats } from "./retry-budget.js";
import { formatWait } from "./retry-policy.js";
import type { ApiClient, ApiRequest, ApiResponse, ClientOptions, RequestBody } from "./types.js";
import { checkedUrl } from "./url-policy.js";

export { RetryBudget } from "./retry-budget.js";
export { createStorageClient, readStorageError } from "./storage-client.js";

/**
 * The one signed client every platform module uses: signs each attempt anew (Bearer,
 * APIAuth, session cookie), retries what is safe to retry, honours Retry-After and
 * X-RateLimit-*, follows only same-origin redirects with credentials, decodes every error
 * body into one HttpError line, and traces redacted lines for --debug.
 */

/** The ApiClient plus the counters tests and --debug read. */
export interface HttpApiClient extends ApiClient {
  /** Requests, attempts, retries, waits and the retry budget left. */
  stats(): ClientStats;
}

/** Same-origin redirects followed before giving up. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers a credential-free (cross-origin) attempt may carry from the caller. */
const CREDENTIAL_FREE_HEADERS = new Set(["accept", "accept-language", "user-agent"]);

interface Target {
  /** Absolute URL (for messages and Final URL). */
  url: string;
  origin: string;
  /** Path plus query exactly as sent and signed. */
  wirePath: string;
}

function lowerCaseKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Creates the signed API client for a profile. */
export function createApiClient(options: ClientOptions): HttpApiClient {
  const base = checkedUrl(options.baseUrl, "base URL", options.insecure ?? false);
  const basePath = base.pathname.replace(/\/+$/, "");
  const baseUrl = `${base.origin}${basePath}`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const retry = new RetryLoop(options);
  const stopSignalFor = signalCombiner(options.signal);
  const secrets = credentialSecrets(options.credential);
  const debug = options.debug
    ? (line: string) => options.debug!(scrubSecrets(line, secrets))
    : undefined;
  const dispatcher: Dispatcher = createDispatcher({
    env: options.env ?? {},
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    headersTimeoutMs: timeoutMs,
    bodyTimeoutMs: timeoutMs,
    caCert: options.caCert,
    debug,
  });
  const closePools = endOnRunAbort(options.signal, dispatcher);
  /** The base URL's origin, computed once (URL's getter builds it on every read). */
  const baseOrigin = base.origin;
  function resolveTarget(path: string): Target {
    // A path, the usual case, goes under the base URL.
    if (path.startsWith("/")) {
      const wirePath = `${basePath}${path}`;
      return { url: `${baseOrigin}${wirePath}`, origin: baseOrigin, wirePath };
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
      let u: URL;
      try {
        u = new URL(path);
      } catch {
        throw new UsageError(
          `not a valid URL: ${redactUrl(path)}`,
          "pass a path such as /api/v2/alerts",
        );
      }
      if (u.origin !== base.origin) {
        throw new UnavailableError(
          `refusing to send credentials to ${u.origin}: it is not the base URL's origin ${base.origin}`,
          "links must stay on the platform's own host; check the base URL",
        );
      }
      return { url: u.href, origin: u.origin, wirePath: `${u.pathname}${u.search}` };
    }
    throw new UsageError(
      `request path must start with "/": ${redactUrl(path)}`,
      "e.g. /api/v2/alerts",
    );
  }

  function attemptHeaders(
    method: string,
    target: Target,
    callerHeaders: Record<string, string>,
    body: RequestBody | undefined,
    contentLength: number | undefined,
    withCredentials: boolean,
  ): Record<string, string> {
    const userAgent = options.userAgent ?? "grc";
    if (!withCredentials) {
      const headers: Record<string, string> = { "user-agent": userAgent, accept: JSON_MEDIA_TYPE };
      for (const [k, v] of Object.entries(callerHeaders)) {
        if (CREDENTIAL_FREE_HEADERS.has(k)) headers[k] = v;
      }
      return headers;
    }
    const headers: Record<string, string> = {
      "user-agent": userAgent,
      accept: JSON_MEDIA_TYPE,
      ...callerHeaders,
    };
    if (body !== undefined && !headers["content-type"] && options.credential.kind !== "hmac") {
      headers["content-type"] = JSON_MEDIA_TYPE;
    }
    if (typeof body === "function" && contentLength !== undefined) {
      headers["content-length"] = String(contentLength);
    }
    const signed = credentialHeaders(options.credential, {
      method,
      requestUri: target.wirePath,
      body: typeof body === "function" ? undefined : body,
      streamBody: typeof body === "function",
      contentType: callerHeaders["content-type"],
      now: now(),
      orgId: options.orgId,
    });
    Object.assign(headers, signed);
    // The caller's choices win where they do not affect the signature.
    if (callerHeaders.accept) headers.accept = callerHeaders.accept;
    if (callerHeaders["x-organization-id"]) {
      headers["x-organization-id"] = callerHeaders["x-organization-id"];
    }
    return headers;
  }

  function makeResponse(
    method: string,
    target: Target,
    status: number,
    headers: Record<string, string>,
    body: Buffer,
  ): ApiResponse {
    return {
      status,
      headers,
      url: target.url,
      body,
      text: () => body.toString("utf8"),
      json<T>(): T {
        try {
          return JSON.parse(body.toString("utf8")) as T;
        } catch (err) {
          throw new UnavailableError(
            `invalid JSON from ${displayTarget(method, target.url)}`,
            `the server answered ${headers["content-type"] || "without a content type"}; check that the base URL points at the platform API`,
            { cause: err },
          );
        }
      },
    };
  }

  /** What a logical request is doing now: redirects change the target and maybe the method. */
  interface Flight {
    method: string;
    body: RequestBody | undefined;
    target: Target;
    withCredentials: boolean;
    redirects: number;
  }

  /** Moves a flight to a redirect's target; false when the response should be handled as is. */
  function followRedirect(flight: Flight, status: number, location: string, path: string): boolean {
    let next: URL;
    try {
      next = new URL(location, flight.target.url);
    } catch {
      return false;
    }
    const from = displayTarget(flight.method, flight.target.url);
    if (next.protocol !== "https:" && next.protocol !== "http:") {
      throw new HttpError(`${from} redirected to a ${next.protocol} URL; refusing to follow`, {
        status,
        hint: "check the base URL",
      });
    }
    flight.redirects += 1;
    if (flight.redirects > MAX_REDIRECTS) {
      throw new UnavailableError(
        `too many redirects (more than ${MAX_REDIRECTS}) from ${displayTarget(flight.method, path)}`,
        "check the base URL",
      );
    }
    const m = flight.method;
    if (status === 303 || ((status === 301 || status === 302) && m !== "GET" && m !== "HEAD")) {
      if (m !== "HEAD") flight.method = "GET";
      flight.body = undefined;
    }
    if (next.origin !== base.origin) {
      if (flight.method !== "GET" && flight.method !== "HEAD") {
        throw new HttpError(
          `${from} was redirected to another origin (${next.origin}); grc does not send credentials or a body there`,
          { status, hint: "set the base URL to the platform's final address" },
        );
      }
      checkedUrl(next.href, "redirect target", options.insecure ?? false);
      // Another origin never sees the platform credential.
      flight.withCredentials = false;
    }
    flight.target = {
      url: next.href,
      origin: next.origin,
      wirePath: `${next.pathname}${next.search}`,
    };
    return true;
  }

  async function perform(req: ApiRequest, throwOnError: boolean): Promise<ApiResponse> {
    const callerHeaders = lowerCaseKeys(req.headers);
    const flight: Flight = {
      method: req.method.toUpperCase(),
      body: req.body,
      target: resolveTarget(req.path),
      withCredentials: true,
      redirects: 0,
    };
    // The caller's signal and the run's (in-flight work aborted after a stop signal's grace
    // or --max-time): either ends waits, attempts and body reads. The run's reaches a request
    // in flight through endOnRunAbort; only a caller's own signal is listened on per request.
    const { stop: stopSignal, inFlight } = stopSignalFor(req.signal);
    /** The headers of the last attempt (their credentials are scrubbed from error text). */
    let sent: Record<string, string> = {};

    const attempt = async (n: number, of: number): Promise<AttemptResult<Buffer>> => {
      const { method, body, target } = flight;
      const headers = attemptHeaders(
        method,
        target,
        callerHeaders,
        body,
        req.contentLength,
        flight.withCredentials,
      );
      sent = headers;
      const wireBody: string | Uint8Array | Readable | undefined =
        typeof body === "function" ? body() : body;
      debug?.(requestLine(method, target.url, n, of, headers));
      const started = debug ? performance.now() : 0;
      let status: number;
      let resHeaders: Record<string, string>;
      let resBody: Buffer;
      try {
        // No timer of our own per attempt: the dispatcher's headers timeout bounds the wait
        // for an answer, readBody bounds the body.
        const res = await dispatcher.request({
          origin: target.origin,
          path: target.wirePath,
          method: method as Dispatcher.HttpMethod,
          headers,
          body: wireBody ?? null,
          signal: inFlight ?? null,
        });
        status = res.statusCode;
        resHeaders = headerRecord(res.headers);
        if (REDIRECT_STATUSES.has(status) && resHeaders.location) {
          discardBody(res.body);
          resBody = Buffer.alloc(0);
        } else {
          // Bounded in size and total time: an endless or trickled answer cannot hold grc.
          const ok = status >= 200 && status < 300;
          resBody = await readBody(
            res.body,
            {
              maxBytes: ok ? MAX_API_BODY : MAX_ERROR_BODY,
              over: ok ? "fail" : "cut",
              timeMs: ok ? timeoutMs : Math.min(timeoutMs, ERROR_BODY_TIME_MS),
              signal: inFlight,
              what: () => `the answer to ${displayTarget(method, target.url)}`,
            },
            ok ? resHeaders["content-length"] : undefined,
          );
        }
      } catch (err) {
        if (debug && !stopSignal?.aborted && !(err instanceof GrcError)) {
          const ms = Math.round(performance.now() - started);
          debug(failureLine(method, target.url, ms, n, of, networkErrorCode(err)));
        }
        throw err;
      }
      if (debug) {
        const ms = Math.round(performance.now() - started);
        debug(responseLine(status, method, target.url, ms, n, of, resHeaders));
      }
      if (REDIRECT_STATUSES.has(status) && resHeaders.location) {
        if (followRedirect(flight, status, resHeaders.location, req.path)) {
          return { kind: "redirected" };
        }
      }
      return {
        kind: "response",
        status,
        headers: resHeaders,
        value: resBody,
        permanent: req.permanentFailure?.(status, resBody) ?? false,
      };
    };

    const outcome = await retry.run<Buffer>(
      {
        method: flight.method,
        host: () => new URL(flight.target.url).host,
        idempotent: req.idempotent,
        attempts: req.attempts,
        signal: stopSignal,
        networkFailure: (err, _code, attempts) =>
          networkError(err, { url: flight.target.url, attempts, timeoutMs }),
      },
      attempt,
    );
    const { status, headers: resHeaders, value: resBody } = outcome;
    const { method, target } = flight;
    if (status >= 200 && status < 300) {
      return makeResponse(method, target, status, resHeaders, resBody);
    }
    const decode = () =>
      decodeHttpError({
        status,
        headers: resHeaders,
        body: resBody,
        method,
        url: target.url,
        now: now(),
        secrets: [...secrets, ...sentCredentials(sent)],
      });
    if (outcome.tooLongWait) {
      const err = decode();
      const w = outcome.tooLongWait;
      throw new HttpError(
        err.message,
        {
          status,
          ...(err.code ? { code: err.code } : {}),
          details: err.details,
          hint: `the server asks to wait ${formatWait(w.ms)} (until ${w.until}); try again then`,
        },
        { cause: err },
      );
    }
    if (!throwOnError) return makeResponse(method, target, status, resHeaders, resBody);
    throw decode();
  }

  return {
    baseUrl,
    request: (req) => perform(req, true),
    send: (req) => perform(req, false),
    stats: () => retry.budget.snapshot(),
    async close() {
      await closePools();
    },
  };
}

/** The credential values one attempt put on the wire (Authorization, Cookie), and the APIAuth signature alone. */
function sentCredentials(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== "authorization" && lower !== "cookie") continue;
    out.push(value);
    const signature = /:([A-Za-z0-9+/=]{16,})$/.exec(value)?.[1];
    if (signature) out.push(signature);
  }
  return out;
}
