import type { PushResult, PushSummary } from "../../src/core/evidence/push.js";

/** The summary a run with these results ends with (renderer tests build it from the rows). */
export function summaryOf(results: PushResult[], extra: Partial<PushSummary> = {}): PushSummary {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    linked: count("linked"),
    alreadyLinked: 0,
    skipped: count("skipped"),
    failed: count("failed"),
    planned: count("dry-run"),
    notStarted: 0,
    bytes: results.filter((r) => r.status === "linked").reduce((n, r) => n + r.size, 0),
    durationMs: 1200,
    interrupted: false,
    fatal: undefined,
    results,
    ...extra,
  };
}
