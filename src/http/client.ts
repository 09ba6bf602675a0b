import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { HttpError, InterruptedError, UnavailableError, UsageError } from "../errors.js";
import { credentialHeaders, credentialSecrets, JSON_MEDIA_TYPE } from "./auth/signer.js";
import {
  anySignal,
  BodyTimeoutError,
  BodyTooLargeError,
  discardBody,
  ERROR_BODY_TIME_MS,
  MAX_API_BODY,
  MAX_ERROR_BODY,
  readBody,
} from "./body-limits.js";
import { createDispatcher } from "./dispatcher.js";
import {
  decodeHttpError,
  displayTarget,
  isNotSent,
  isPermanentNetworkError,
  networkError,
  networkErrorCode,
} from "./error-decoder.js";
import { redactUrl, scrubSecrets } from "./redact.js";
import { failureLine, headerRecord, requestLine, responseLine } from "./request-trace.js";
import { abortableSleep, type ClientStats, RetryBudget } from "./retry-budget.js";
import {
  backoffDelayMs,
  formatWait,
  IDEMPOTENT_METHODS,
  MAX_SERVER_WAIT_MS,
  RETRYABLE_STATUSES,
  rateLimitReset,
  type ServerWait,
  serverRequestedWait,
} from "./retry-policy.js";
import type { ApiClient, ApiRequest, ApiResponse, ClientOptions, RequestBody } from "./types.js";
import { checkedUrl } from "./url-policy.js";

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

interface RateLimitPause {
  at: number;
  until: string;
  text: string;
  source: ServerWait["source"];
  noticed: boolean;
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
  const maxAttempts = Math.max(1, options.retries ?? 5);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const notice = options.notice ?? (() => {});
  const budget = new RetryBudget(options.retryBudget);
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
  let pause: RateLimitPause | undefined;

  const wait = (ms: number, signal: AbortSignal | undefined) => budget.wait(ms, signal, sleep);

  async function waitForPause(signal: AbortSignal | undefined): Promise<void> {
    const p = pause;
    if (!p) return;
    const ms = p.at - now().getTime();
    if (ms > 0) {
      if (!p.noticed && ms >= 1000) {
        p.noticed = true;
        notice(`${p.text}; waiting ${formatWait(ms)} until ${p.until} (${p.source})`);
      }
      await wait(ms, signal);
    }
    if (pause === p) pause = undefined;
  }

  function pauseFor(w: ServerWait, text: string): void {
    const at = now().getTime() + w.ms;
    if (!pause || pause.at < at) {
      // Concurrent requests meeting the same reset share one notice line.
      const noticed = pause?.until === w.until && pause.noticed;
      pause = { at, until: w.until, text, source: w.source, noticed };
    }
  }

  function resolveTarget(path: string): Target {
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
    if (!path.startsWith("/")) {
      throw new UsageError(
        `request path must start with "/": ${redactUrl(path)}`,
        "e.g. /api/v2/alerts",
      );
    }
    const wirePath = `${basePath}${path}`;
    return { url: `${base.origin}${wirePath}`, origin: base.origin, wirePath };
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
    budget.stats.requests += 1;
    const method0 = req.method.toUpperCase();
    const idempotent = req.idempotent ?? IDEMPOTENT_METHODS.has(method0);
    const attempts = Math.max(1, req.attempts ?? maxAttempts);
    const callerHeaders = lowerCaseKeys(req.headers);
    const flight: Flight = {
      method: method0,
      body: req.body,
      target: resolveTarget(req.path),
      withCredentials: true,
      redirects: 0,
    };
    let attempt = 0;
    /** Waits a 429 scheduled (see below), counted at 1 s or more each. */
    let scheduledMs = 0;
    // The caller's signal and the run's (in-flight work aborted after a stop signal's grace
    // or --max-time): either ends waits, attempts and body reads.
    const stopSignal = anySignal(req.signal, options.signal);

    for (;;) {
      attempt += 1;
      await waitForPause(stopSignal);
      if (stopSignal?.aborted) throw new InterruptedError();
      const { method, body, target } = flight;
      const headers = attemptHeaders(
        method,
        target,
        callerHeaders,
        body,
        req.contentLength,
        flight.withCredentials,
      );
      const wireBody: string | Uint8Array | Readable | undefined =
        typeof body === "function" ? body() : body;
      debug?.(requestLine(method, target.url, attempt, attempts, headers));
      budget.stats.attempts += 1;
      const started = performance.now();
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = stopSignal ? AbortSignal.any([stopSignal, timeout]) : timeout;
      let status: number;
      let resHeaders: Record<string, string>;
      let resBody: Buffer;
      try {
        const res = await dispatcher.request({
          origin: target.origin,
          path: target.wirePath,
          method: method as Dispatcher.HttpMethod,
          headers,
          body: wireBody ?? null,
          signal,
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
              signal: stopSignal,
              what: `the answer to ${displayTarget(method, target.url)}`,
            },
            ok ? resHeaders["content-length"] : undefined,
          );
        }
      } catch (err) {
        if (stopSignal?.aborted) throw new InterruptedError();
        if (err instanceof BodyTooLargeError || err instanceof BodyTimeoutError) throw err;
        const code = timeout.aborted ? "ETIMEDOUT" : networkErrorCode(err);
        const ms = Math.round(performance.now() - started);
        debug?.(failureLine(method, target.url, ms, attempt, attempts, code));
        const safe = idempotent || isNotSent(code);
        if (!isPermanentNetworkError(code) && safe && attempt < attempts && budget.take()) {
          await wait(backoffDelayMs(attempt, random), stopSignal);
          continue;
        }
        const cause = timeout.aborted ? Object.assign(new Error("timeout"), { code }) : err;
        throw networkError(cause, { url: target.url, attempts: attempt, timeoutMs });
      }
      const ms = Math.round(performance.now() - started);
      debug?.(responseLine(status, method, target.url, ms, attempt, attempts, resHeaders));
      const host = new URL(target.url).host;

      if (resHeaders["x-ratelimit-remaining"]?.trim() === "0" && status !== 429) {
        const reset = rateLimitReset(resHeaders, now());
        if (reset && reset.ms > 0 && reset.ms <= MAX_SERVER_WAIT_MS) {
          pauseFor(reset, `rate limit of ${host} used up`);
        }
      }

      if (REDIRECT_STATUSES.has(status) && resHeaders.location) {
        if (followRedirect(flight, status, resHeaders.location, req.path)) {
          attempt = 0;
          continue;
        }
      }

      if (status >= 200 && status < 300) {
        budget.succeeded();
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
          secrets: [...secrets, ...sentCredentials(headers)],
        });
      const retryable =
        RETRYABLE_STATUSES.has(status) &&
        (idempotent || status === 429) &&
        !req.permanentFailure?.(status, resBody);
      // A 429 that names when to come back is the server scheduling the request, not a
      // failure: it costs neither an attempt nor the retry budget, so processes sharing one
      // key's limit (shards) take turns instead of failing files. Bounded: such waits count
      // at least 1 s each, up to MAX_SERVER_WAIT_MS per request.
      if (status === 429 && retryable) {
        const w = serverRequestedWait(status, resHeaders, now());
        if (w && w.ms > 0 && scheduledMs + Math.max(w.ms, 1000) <= MAX_SERVER_WAIT_MS) {
          scheduledMs += Math.max(w.ms, 1000);
          attempt -= 1;
          pauseFor(w, `rate limited by ${host}`);
          continue;
        }
      }
      if (retryable && attempt < attempts) {
        const serverWait = serverRequestedWait(status, resHeaders, now());
        if (serverWait && serverWait.ms > MAX_SERVER_WAIT_MS) {
          const err = decode();
          throw new HttpError(
            err.message,
            {
              status,
              ...(err.code ? { code: err.code } : {}),
              details: err.details,
              hint: `the server asks to wait ${formatWait(serverWait.ms)} (until ${serverWait.until}); try again then`,
            },
            { cause: err },
          );
        }
        if (budget.take()) {
          if (status === 429 && serverWait) {
            // Rate limits are per client: every request waits for the reset, not just this one.
            pauseFor(serverWait, `rate limited by ${host}`);
            continue;
          }
          const delay = serverWait ? serverWait.ms : backoffDelayMs(attempt, random);
          if (serverWait && delay >= 1000) {
            notice(
              `${host} answered ${status}; waiting ${formatWait(delay)} until ${serverWait.until} (${serverWait.source})`,
            );
          }
          await wait(delay, stopSignal);
          continue;
        }
      }

      if (!throwOnError) return makeResponse(method, target, status, resHeaders, resBody);
      throw decode();
    }
  }

  return {
    baseUrl,
    request: (req) => perform(req, true),
    send: (req) => perform(req, false),
    stats: () => budget.snapshot(),
    async close() {
      await dispatcher.close();
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
