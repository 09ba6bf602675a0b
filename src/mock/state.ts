/**
 * What the mock remembers besides stored objects: a shiftable clock (expiry and clock-skew
 * tests) and a log of every request it answered, so tests assert what really arrived.
 */

/** One answered request, as GET /__mock/state lists it (never a secret: booleans only). */
export interface LoggedRequest {
  origin: "api" | "storage";
  method: string;
  /** Path without the query (storage queries carry presigned signatures). */
  path: string;
  /** Query string of an API request ("" when none); never logged for storage. */
  query: string;
  status: number;
  authorization: boolean;
  cookie: boolean;
  content_type: string | null;
  content_length: number | null;
  /** The fault injected instead of the normal answer, if any. */
  fault: string | null;
  time: string;
}

/** The server clock: real time plus an offset tests may set. */
export class MockClock {
  private offsetMs = 0;
  /** The mock's notion of now. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Shifts the clock (POST /__mock/clock?offset_ms=N). */
  setOffset(ms: number): void {
    this.offsetMs = ms;
  }
  get offset(): number {
    return this.offsetMs;
  }
}

/** Requests kept at most; older entries drop out first (a long benchmark must not grow forever). */
const LOG_LIMIT = 200_000;

/** The request log. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private dropped = 0;
  /** `listener` sees each entry as it is added (`grc mock serve --debug`). */
  constructor(private readonly listener?: (entry: LoggedRequest) => void) {}
  /** Appends one entry. */
  add(entry: LoggedRequest): void {
    this.listener?.(entry);
    this.entries.push(entry);
    if (this.entries.length > LOG_LIMIT) {
      const excess = this.entries.length - LOG_LIMIT;
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
  }
  /** A copy of the kept entries, oldest first. */
  list(): LoggedRequest[] {
    return [...this.entries];
  }
  /** How many entries fell out of the window. */
  get droppedCount(): number {
    return this.dropped;
  }
  /** Forgets everything. */
  clear(): void {
    this.entries = [];
    this.dropped = 0;
  }
}
