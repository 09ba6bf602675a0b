import { setTimeout as delay } from "node:timers/promises";
import { InterruptedError } from "../errors.js";

/** Counters a client exposes so tests (and --debug) can see what retries cost. */
export interface ClientStats {
  /** Logical requests started. */
  requests: number;
  /** Attempts sent on the wire (retries and redirects included). */
  attempts: number;
  /** Attempts that were repeats after a failure. */
  retries: number;
  /** Retries still allowed before the client stops retrying altogether. */
  retryBudgetLeft: number;
  /** Total ms spent waiting (backoff, Retry-After, rate-limit pauses). */
  waitedMs: number;
}

/** Default number of retries one client may spend across all its requests. */
export const DEFAULT_RETRY_BUDGET = 100;

/** Retries one successful response earns back. */
export const RETRY_REFUND_PER_SUCCESS = 0.5;

/** Mutable counters plus the budget: a dead server cannot make a bulk run retry forever. */
export class RetryBudget {
  readonly stats: ClientStats;
  private readonly initial: number;
  constructor(budget: number = DEFAULT_RETRY_BUDGET) {
    this.initial = budget;
    this.stats = { requests: 0, attempts: 0, retries: 0, retryBudgetLeft: budget, waitedMs: 0 };
  }
  /**
   * A success earns back half a retry (capped at the initial budget), as gRPC retry
   * throttling does: a flaky server that fails under ~1 in 3 requests never drains the
   * budget over a long bulk run, while a dead server (no successes) still stops after it.
   */
  succeeded(): void {
    this.stats.retryBudgetLeft = Math.min(
      this.initial,
      this.stats.retryBudgetLeft + RETRY_REFUND_PER_SUCCESS,
    );
  }
  /** Takes one retry from the budget; false when none is left. */
  take(): boolean {
    if (this.stats.retryBudgetLeft <= 0) return false;
    this.stats.retryBudgetLeft -= 1;
    this.stats.retries += 1;
    return true;
  }
  /** A snapshot of the counters. */
  snapshot(): ClientStats {
    return { ...this.stats };
  }
  /**
   * Waits `ms` with `sleep` and counts it in waitedMs; an aborted signal ends the wait with
   * InterruptedError even when an injected sleep returns normally.
   */
  async wait(
    ms: number,
    signal: AbortSignal | undefined,
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ): Promise<void> {
    this.stats.waitedMs += ms;
    await sleep(ms, signal);
    if (signal?.aborted) throw new InterruptedError();
  }
}

/** Sleeps `ms`, rejecting with InterruptedError when the signal aborts. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    if (signal?.aborted) throw new InterruptedError();
    return;
  }
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw new InterruptedError();
    throw err;
  }
}
