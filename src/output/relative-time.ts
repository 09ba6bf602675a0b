/** Units for "3 minutes ago" style times, largest first. */
const UNITS: readonly [string, number][] = [
  ["y", 365 * 86_400_000],
  ["mo", 30 * 86_400_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/** True for an ISO 8601 timestamp as the API writes them (`2015-09-23T15:04:02.000Z`). */
export function isTimestamp(value: unknown): value is string {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value);
}

/**
 * A timestamp as people read it in a table: `just now`, `5m ago`, `3h ago`, `2d ago`,
 * `4mo ago`, `in 2h` for the future. Anything that is not a timestamp is returned as text.
 */
export function relativeTime(value: unknown, now: Date): string {
  if (!isTimestamp(value)) return value === null || value === undefined ? "" : String(value);
  const then = Date.parse(value);
  if (Number.isNaN(then)) return value;
  const delta = now.getTime() - then;
  const abs = Math.abs(delta);
  if (abs < 45_000) return "just now";
  for (const [unit, ms] of UNITS) {
    if (abs >= ms) {
      const n = Math.floor(abs / ms);
      return delta >= 0 ? `${n}${unit} ago` : `in ${n}${unit}`;
    }
  }
  return "just now";
}
