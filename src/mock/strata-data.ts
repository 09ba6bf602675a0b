import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageFixturesDir } from "./package-fixtures.js";
import type { StrataModule } from "./strata-schema.js";

/**
 * The StrataGRC mock's data: the records, users, frameworks, vendors and KPI history it
 * serves, loaded from fixtures/strata/*.json (or `--data DIR/strata/`), and the shapes of the
 * evidence rows and of its part of GET /__mock/state.
 */

export type RecordRow = Record<string, unknown> & { id: number };

export interface StrataUser {
  id: number;
  username: string;
  name: string;
  email: string;
  role: string;
}

/** One evidence file stored on a case. */
export interface StrataEvidenceRow {
  id: number;
  case_id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  description: string | null;
  uploaded_by: number;
  uploaded_at: string;
}

/** What GET /__mock/state shows under `strata`. */
export interface StrataSnapshot {
  /** Every evidence file stored on a case, with the SHA-256 the mock computed. */
  evidence: StrataEvidenceRow[];
  /** Every change that succeeded, in order. */
  changes: { method: string; module: string; id: number; action: string }[];
  /** Records per module. */
  counts: Record<string, number>;
}

export interface KpiPoint {
  kpi_id: number;
  period: string;
  value: number;
  submitted_by: number;
  submitted_at: string;
}

export interface StrataData {
  organizationName: string;
  users: StrataUser[];
  frameworks: { id: number; name: string }[];
  vendors: { id: number; name: string; risk_level: string }[];
  records: Record<StrataModule, RecordRow[]>;
  kpiHistory: KpiPoint[];
}

function readJson<T>(dir: string, name: string): T {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as T;
}

/** Loads fixtures/strata/*.json from `--data DIR` when it has a strata/ folder, else the package's. */
export function loadData(dataDir: string | undefined): StrataData {
  const candidate = dataDir ? join(dataDir, "strata") : undefined;
  const dir =
    candidate && existsSync(join(candidate, "risks.json"))
      ? candidate
      : join(packageFixturesDir(), "strata");
  return {
    organizationName: readJson<{ name: string }>(dir, "organization").name,
    users: readJson(dir, "users"),
    frameworks: readJson(dir, "frameworks"),
    vendors: readJson(dir, "vendors"),
    records: {
      risks: readJson(dir, "risks"),
      controls: readJson(dir, "controls"),
      engagements: readJson(dir, "engagements"),
      findings: readJson(dir, "findings"),
      cases: readJson(dir, "cases"),
      kpis: readJson(dir, "kpis"),
    },
    kpiHistory: readJson(dir, "kpi_history"),
  };
}
