/**
 * StrataGRC's record schema (seed 001): the enums it names, each module's fields and filters,
 * checked before a request is sent (exit 2, nothing sent).
 */
import { UsageError } from "../../errors.js";
import type { StrataModule } from "./paths.js";

/** Enumerations: the seed's (statuses, phases, priorities, chart types) plus two the mock documents. */
export const STRATA_ENUMS = {
  controlStatus: ["Active", "Draft", "Archived"],
  engagementPhase: ["Planning", "Fieldwork", "Review", "Reporting", "Completed"],
  findingStatus: ["Open", "Approved", "Closed"],
  caseStatus: ["new", "assigned", "in_progress", "review", "completed"],
  casePriority: ["low", "medium", "high", "urgent"],
  chartType: ["findings_by_risk", "audit_phases", "vendors_by_risk"],
  // Not in the seed: our choice, documented in the README.
  controlEffectiveness: ["Effective", "Partially Effective", "Ineffective", "Not Tested"],
  findingRiskRating: ["Low", "Medium", "High", "Critical"],
} as const satisfies Record<string, readonly string[]>;

/** The type of one field of a record or filter. */
export interface StrataFieldSpec {
  type: "string" | "int" | "number";
  enum?: readonly string[];
  /** Required on create. */
  required?: boolean;
}

/** Fields each module's create/update accepts (anything else is refused before sending). */
export const STRATA_FIELDS: Readonly<
  Record<StrataModule, Readonly<Record<string, StrataFieldSpec>>>
> = {
  risks: {
    title: { type: "string", required: true },
    description: { type: "string" },
    category: { type: "string", required: true },
    status: { type: "string" },
    likelihood: { type: "int" },
    impact: { type: "int" },
    owner_id: { type: "int" },
  },
  controls: {
    code: { type: "string", required: true },
    title: { type: "string", required: true },
    description: { type: "string" },
    framework_id: { type: "int", required: true },
    status: { type: "string", enum: STRATA_ENUMS.controlStatus },
    effectiveness: { type: "string", enum: STRATA_ENUMS.controlEffectiveness },
    owner_id: { type: "int" },
  },
  engagements: {
    title: { type: "string", required: true },
    phase: { type: "string", enum: STRATA_ENUMS.engagementPhase },
    status: { type: "string" },
    lead_auditor_id: { type: "int" },
    start_date: { type: "string" },
    end_date: { type: "string" },
    scope: { type: "string" },
  },
  findings: {
    engagement_id: { type: "int", required: true },
    title: { type: "string", required: true },
    description: { type: "string" },
    risk_rating: { type: "string", enum: STRATA_ENUMS.findingRiskRating },
    status: { type: "string", enum: STRATA_ENUMS.findingStatus },
    assigned_to: { type: "int" },
    due_date: { type: "string" },
  },
  cases: {
    title: { type: "string", required: true },
    description: { type: "string" },
    status: { type: "string", enum: STRATA_ENUMS.caseStatus },
    priority: { type: "string", enum: STRATA_ENUMS.casePriority },
    assigned_to: { type: "int" },
  },
  kpis: {},
};

/** List filters per module (seed 001's query parameters). */
export const STRATA_FILTERS: Readonly<
  Record<StrataModule, Readonly<Record<string, StrataFieldSpec>>>
> = {
  risks: { category: { type: "string" }, status: { type: "string" } },
  controls: {
    framework_id: { type: "int" },
    status: { type: "string", enum: STRATA_ENUMS.controlStatus },
  },
  engagements: {
    phase: { type: "string", enum: STRATA_ENUMS.engagementPhase },
    status: { type: "string" },
  },
  findings: {
    engagement_id: { type: "int" },
    status: { type: "string", enum: STRATA_ENUMS.findingStatus },
    assigned_to: { type: "int" },
  },
  cases: {
    status: { type: "string", enum: STRATA_ENUMS.caseStatus },
    priority: { type: "string", enum: STRATA_ENUMS.casePriority },
  },
  kpis: {},
};

/** Body of a management response (`findings respond`). */
export const FINDING_RESPONSE_FIELDS: Readonly<Record<string, StrataFieldSpec>> = {
  management_response: { type: "string", required: true },
  action_plan: { type: "string" },
  target_date: { type: "string" },
};

/** Checks one value against a field spec and returns it typed; `label` names it in the error. */
export function checkFieldValue(spec: StrataFieldSpec, value: unknown, label: string): unknown {
  if (spec.type === "int") {
    const n = typeof value === "number" ? value : Number(String(value).trim());
    if (String(value).trim() === "" || !Number.isInteger(n)) {
      throw new UsageError(`${label} must be a whole number, got "${String(value)}"`);
    }
    return n;
  }
  if (spec.type === "number") {
    const n = typeof value === "number" ? value : Number(String(value).trim());
    if (String(value).trim() === "" || !Number.isFinite(n)) {
      throw new UsageError(`${label} must be a number, got "${String(value)}"`);
    }
    return n;
  }
  if (typeof value !== "string") {
    throw new UsageError(`${label} must be text, got ${JSON.stringify(value)}`);
  }
  if (spec.enum && !spec.enum.includes(value)) {
    throw new UsageError(`invalid ${label} "${value}"`, `use one of: ${spec.enum.join(", ")}`);
  }
  return value;
}

/** Validates a create/update body against a module's fields; `partial` skips required checks. */
export function checkRecordBody(
  fields: Readonly<Record<string, StrataFieldSpec>>,
  body: Record<string, unknown>,
  what: string,
  partial: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = Object.keys(fields);
  for (const [key, value] of Object.entries(body)) {
    const spec = fields[key];
    if (!spec) {
      throw new UsageError(`unknown field "${key}" for ${what}`, `use one of: ${known.join(", ")}`);
    }
    out[key] = value === null ? null : checkFieldValue(spec, value, `field ${key}`);
  }
  if (!partial) {
    const missing = known.filter((k) => fields[k]!.required && out[k] === undefined);
    if (missing.length > 0) {
      throw new UsageError(
        `missing required field${missing.length > 1 ? "s" : ""} for ${what}: ${missing.join(", ")}`,
        "pass --field key=value or --data @file.json",
      );
    }
  }
  if (Object.keys(out).length === 0) {
    throw new UsageError(
      `nothing to send for ${what}`,
      "pass --field key=value or --data @file.json",
    );
  }
  return out;
}
