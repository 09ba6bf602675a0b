import { GrcError, InterruptedError } from "../errors.js";
import { isNotSent, isPermanentNetworkError, networkErrorCode } from "./error-decoder.js";
import { abortableSleep, RetryBudget } from "./retry-budget.js";
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
import { isLoopbackHost } from "./url-policy.js";

/**
 * The one retry loop of the HTTP layer, used by the API client and the storage client alike.
 * A client hands it one attempt at a time (build, sign, send, read); the loop decides whether
 * and when to repeat it: the attempt limit (--retries), the client's retry budget, backoff with
 * full jitter, waits the server asks for (Retry-After, X-RateLimit-*), idempotency, network
 * errors that repeating cannot fix, and the run's stop signal. The policy is in docs/http.md.
 */

/** What the loop needs from a client: shared by every request the client sends. */
export interface RetryLoopOptions {
  /** Total attempts per request including the first (--retries, default 5). */
  retries?: number | undefined;
  /** The retry budget: a number (this client's own) or a budget shared with other clients. */
  retryBudget?: number | RetryBudget | undefined;
  now?: (() => Date) | undefined;
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  /** Sink for user-facing waits ("rate limited by host; waiting 12s ..."). */
  notice?: ((line: string) => void) | undefined;
}

/** One logical request as the loop sees it. */
export interface RetryRequest {
  method: string;
  /** Host of the target (notices, the loopback rule); may change after a redirect. */
  host: () => string;
  /** Repeating a request that reached the server is safe (HTTP idempotent, or the caller says so). */
  idempotent?: boolean | undefined;
  /** Attempts for this request (default: the client's). */
  attempts?: number | undefined;
  /** The caller's and the run's signal: ends waits and attempts. */
  signal?: AbortSignal | undefined;
  /** Network error codes this request does not repeat on top of the permanent ones. */
  unrepeatable?: ReadonlySet<string> | undefined;
  /** Builds the error for a network failure given up on (after `attempts` attempts). */
  networkFailure: (err: unknown, code: string, attempts: number) => Error;
}

/** What one attempt produced. */
export type AttemptResult<T> =
  | {
      kind: "response";
      status: number;
      /** Lower-cased response headers. */
      headers: Record<string, string>;
      value: T;
      /** A retryable status that repeating cannot fix (e.g. 503 "storage is not configured"). */
      permanent?: boolean;
      /** Releases a response the loop is about to repeat (drops an unread body). */
      release?: () => void;
    }
  /** The attempt followed a redirect: the next attempt goes to the new target, counted anew. */
  | { kind: "redirected" };

/** The response the loop stopped at, and why it did not repeat it. */
export interface RetryOutcome<T> {
  status: number;
  headers: Record<string, string>;
  value: T;
  attempts: number;
  /** Set when the server asked for a wait longer than grc accepts (the response is final). */
  tooLongWait?: ServerWait;
}

/**
 * ECONNREFUSED from a loopback origin is final at once: nothing listens on that port on this
 * machine, and it will not start listening within a backoff. Elsewhere, a refusal may be a
 * server restarting behind a load balancer: it gets at most this many attempts.
 */
export const REFUSED_ATTEMPTS_REMOTE = 3;

interface RateLimitPause {
  at: number;
  until: string;
  text: string;
  source: ServerWait["source"];
  noticed: boolean;
}

/** The per-client retry layer: the budget, the counters, the shared rate-limit pause, and the loop. */
export class RetryLoop {
  readonly budget: RetryBudget;
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly notice: (line: string) => void;
  private pause: RateLimitPause | undefined;

  constructor(options: RetryLoopOptions) {
    this.maxAttempts = Math.max(1, options.retries ?? 5);
    this.budget =
      options.retryBudget instanceof RetryBudget
        ? options.retryBudget
        : new RetryBudget(options.retryBudget);
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.notice = options.notice ?? (() => {});
  }

  /** Attempts a request allows by default (for --debug lines). */
  attemptsFor(req: { attempts?: number | undefined }): number {
    return Math.max(1, req.attempts ?? this.maxAttempts);
  }

  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return this.budget.wait(ms, signal, this.sleep);
  }

  private async waitForPause(signal: AbortSignal | undefined): Promise<void> {
    const p = this.pause;
    if (!p) return;
    const ms = p.at - this.now().getTime();
    if (ms > 0) {
      if (!p.noticed && ms >= 1000) {
        p.noticed = true;
        this.notice(`${p.text}; waiting ${formatWait(ms)} until ${p.until} (${p.source})`);
      }
      await this.wait(ms, signal);
    }
    if (this.pause === p) this.pause = undefined;
  }

  private pauseFor(w: ServerWait, text: string): void {
    const at = this.now().getTime() + w.ms;
    if (!this.pause || this.pause.at < at) {
      // Concurrent requests meeting the same reset share one notice line.
      const noticed = this.pause?.until === w.until && this.pause.noticed;
      this.pause = { at, until: w.until, text, source: w.source, noticed };
    }
  }

  /** Whether a network failure with `code` is repeated after attempt `attempt`. */
  private repeatsNetwork(req: RetryRequest, code: string, attempt: number, of: number): boolean {
    if (isPermanentNetworkError(code) || req.unrepeatable?.has(code)) return false;
    const idempotent = req.idempotent ?? IDEMPOTENT_METHODS.has(req.method.toUpperCase());
    if (!idempotent && !isNotSent(code)) return false;
    if (code === "ECONNREFUSED") {
      if (isLoopbackHost(hostname(req.host()))) return false;
      if (attempt >= Math.min(of, REFUSED_ATTEMPTS_REMOTE)) return false;
    }
    return attempt < of;
  }

  /**
   * Runs `attempt` until it yields a response that is final: a success, a status that is not
   * retried, or one whose retries are used up. Network failures it gives up on are thrown as
   * `req.networkFailure(...)`; an aborted signal as InterruptedError; a GrcError from an attempt
   * (a body too large, a refused redirect) as is.
   */
  async run<T>(
    req: RetryRequest,
    attempt: (n: number, of: number) => Promise<AttemptResult<T>>,
  ): Promise<RetryOutcome<T>> {
    const { budget } = this;
    budget.stats.requests += 1;
    const of = this.attemptsFor(req);
    const idempotent = req.idempotent ?? IDEMPOTENT_METHODS.has(req.method.toUpperCase());
    const signal = req.signal;
    let n = 0;
    /** Waits a 429 scheduled (see below), counted at 1 s or more each. */
    let scheduledMs = 0;
    for (;;) {
      n += 1;
      if (this.pause) await this.waitForPause(signal);
      if (signal?.aborted) throw new InterruptedError();
      budget.stats.attempts += 1;
      let result: AttemptResult<T>;
      try {
        result = await attempt(n, of);
      } catch (err) {
        if (signal?.aborted) throw new InterruptedError();
        if (err instanceof GrcError) throw err;
        const code = networkErrorCode(err);
        if (this.repeatsNetwork(req, code, n, of) && budget.take()) {
          await this.wait(backoffDelayMs(n, this.random), signal);
          continue;
        }
        throw req.networkFailure(err, code, n);
      }
      if (result.kind === "redirected") {
        n = 0;
        continue;
      }
      const { status, headers } = result;
      const outcome: RetryOutcome<T> = { status, headers, value: result.value, attempts: n };

      if (headers["x-ratelimit-remaining"]?.trim() === "0" && status !== 429) {
        const reset = rateLimitReset(headers, this.now());
        if (reset && reset.ms > 0 && reset.ms <= MAX_SERVER_WAIT_MS) {
          this.pauseFor(reset, `rate limit of ${req.host()} used up`);
        }
      }
      if (status >= 200 && status < 300) {
        budget.succeeded();
        return outcome;
      }
      const retryable =
        RETRYABLE_STATUSES.has(status) && (idempotent || status === 429) && !result.permanent;
      if (!retryable) return outcome;

      // A 429 that names when to come back is the server scheduling the request, not a
      // failure: it costs neither an attempt nor the retry budget, so processes sharing one
      // key's limit (shards) take turns instead of failing files. Bounded: such waits count
      // at least 1 s each, up to MAX_SERVER_WAIT_MS per request.
      const serverWait = serverRequestedWait(status, headers, this.now());
      if (status === 429 && serverWait && serverWait.ms > 0) {
        const cost = Math.max(serverWait.ms, 1000);
        if (scheduledMs + cost <= MAX_SERVER_WAIT_MS) {
          scheduledMs += cost;
          n -= 1;
          result.release?.();
          this.pauseFor(serverWait, `rate limited by ${req.host()}`);
          continue;
        }
      }
      if (n >= of) return outcome;
      if (serverWait && serverWait.ms > MAX_SERVER_WAIT_MS) {
        return { ...outcome, tooLongWait: serverWait };
      }
      if (!budget.take()) return outcome;
      result.release?.();
      if (status === 429 && serverWait) {
        // Rate limits are per client: every request waits for the reset, not just this one.
        this.pauseFor(serverWait, `rate limited by ${req.host()}`);
        continue;
      }
      const delay = serverWait ? serverWait.ms : backoffDelayMs(n, this.random);
      if (serverWait && delay >= 1000) {
        this.notice(
          `${req.host()} answered ${status}; waiting ${formatWait(delay)} until ${serverWait.until} (${serverWait.source})`,
        );
      }
      await this.wait(delay, signal);
    }
  }
}

/** "127.0.0.1:4010" -> "127.0.0.1", "[::1]:80" -> "[::1]". */
function hostname(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  return host.replace(/:\d+$/, "");
}
