/**
 * StrataGRC's module paths (each overridable by a profile's `paths`) and query strings. Seed
 * 001 names no paths, so the defaults are ours (docs/platforms.md).
 */

/** Path keys a profile may override (`paths: { risks: "/api/risks" }`). */
export type StrataPathKey =
  | "authStatus"
  | "dashboard"
  | "chart"
  | "risks"
  | "controls"
  | "engagements"
  | "findings"
  | "cases"
  | "kpis";

/** The record modules that answer `action=list`. */
export type StrataModule = "risks" | "controls" | "engagements" | "findings" | "cases" | "kpis";

/** Default paths; the seed names none, so these are ours (README "StrataGRC paths"). */
export const STRATA_DEFAULT_PATHS: Readonly<Record<StrataPathKey, string>> = {
  authStatus: "/strata/api/auth/status",
  dashboard: "/strata/api/dashboard",
  chart: "/strata/api/dashboard/chart",
  risks: "/strata/api/risks",
  controls: "/strata/api/controls",
  engagements: "/strata/api/engagements",
  findings: "/strata/api/findings",
  cases: "/strata/api/cases",
  kpis: "/strata/api/kpis",
};

/** Case evidence uploads go to `<cases path>/evidence?case_id=N`. */
export const CASE_EVIDENCE_SUFFIX = "/evidence";

/** Where a profile points the modules and for which organization it speaks. */
export interface StrataTarget {
  paths?: Record<string, string>;
  orgId?: string | undefined;
}

/** `?k=v&...` of the defined values (URL-encoded), or "" when none. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
