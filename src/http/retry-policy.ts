/**
 * When and how long to wait before repeating a request: exponential backoff with full
 * jitter, or exactly what the server asked for (Retry-After, X-RateLimit-Reset).
 */

/** Statuses worth repeating: timeouts, rate limits and transient server failures. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Methods HTTP defines as idempotent: repeating them is safe even with a body. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
]);

/** Default first backoff step and ceiling (ms). */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 20_000;
/** Longest single wait the client accepts from a server before giving up instead. */
export const MAX_SERVER_WAIT_MS = 5 * 60 * 1000;

/** Full jitter: a random delay between 0 and base * 2^(retry-1), capped. */
export function backoffDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** A wait the server asked for. */
export interface ServerWait {
  ms: number;
  /** When the wait ends, in the server's clock (ISO 8601, seconds). */
  until: string;
  source: "Retry-After" | "X-RateLimit-Reset";
}

/** The server's "now": its Date header when present, so a skewed local clock does not matter. */
function serverNow(headers: Record<string, string>, localNow: Date): number {
  const d = headers.date ? Date.parse(headers.date) : Number.NaN;
  return Number.isNaN(d) ? localNow.getTime() : d;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Parses X-RateLimit-Reset: ISO 8601 (Evident), or epoch seconds as some servers send. */
export function parseRateLimitReset(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{9,}$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Retry-After (seconds or HTTP date) or, on 429, X-RateLimit-Reset; undefined when neither. */
export function serverRequestedWait(
  status: number,
  headers: Record<string, string>,
  localNow: Date,
): ServerWait | undefined {
  const now = serverNow(headers, localNow);
  const retryAfter = headers["retry-after"]?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) {
      const ms = Number(retryAfter) * 1000;
      return { ms, until: isoSeconds(now + ms), source: "Retry-After" };
    }
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) {
      return { ms: Math.max(0, at - now), until: isoSeconds(at), source: "Retry-After" };
    }
  }
  if (status === 429) return rateLimitReset(headers, localNow);
  return undefined;
}

/** The wait until X-RateLimit-Reset, measured against the server's own clock. */
export function rateLimitReset(
  headers: Record<string, string>,
  localNow: Date,
): ServerWait | undefined {
  const reset = parseRateLimitReset(headers["x-ratelimit-reset"]);
  if (reset === undefined) return undefined;
  const now = serverNow(headers, localNow);
  return { ms: Math.max(0, reset - now), until: isoSeconds(reset), source: "X-RateLimit-Reset" };
}

/** "12s", "3m 05s": a wait for people. */
export function formatWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(s % 60).padStart(2, "0")}s`;
}
