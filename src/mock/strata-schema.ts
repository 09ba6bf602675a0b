/**
 * The mock's own reading of seed 001 (StrataGRC REST API): the modules that answer
 * `action=list`, their list filters and the enumerations the seed names, the fields a
 * create/update may carry, and the paths the mock serves. The seed gives no paths and no
 * record schema, so those are the mock's choices (docs/mock.md); the default paths are the
 * same URLs grc's profiles use by default, so an unchanged profile talks to the mock. This
 * file shares nothing with the client's StrataGRC module on purpose: if both read the seed
 * the same wrong way, a test between them could not notice.
 */

/** The record modules (seed 001: risks, controls, audit engagements, findings, IMS cases, KPIs). */
export type StrataModule = "risks" | "controls" | "engagements" | "findings" | "cases" | "kpis";

export const STRATA_MODULES: readonly StrataModule[] = [
  "risks",
  "controls",
  "engagements",
  "findings",
  "cases",
  "kpis",
];

/** Where the mock serves each endpoint (the seed names none). */
export const MOCK_STRATA_PATHS = {
  authStatus: "/strata/api/auth/status",
  dashboard: "/strata/api/dashboard",
  chart: "/strata/api/dashboard/chart",
  risks: "/strata/api/risks",
  controls: "/strata/api/controls",
  engagements: "/strata/api/engagements",
  findings: "/strata/api/findings",
  cases: "/strata/api/cases",
  kpis: "/strata/api/kpis",
  /** "Upload Evidence" to an IMS case (multipart/form-data), `?case_id=N`. */
  caseEvidence: "/strata/api/cases/evidence",
} as const;

/** Every path the mock answers starts with this. */
export const MOCK_STRATA_PREFIX = "/strata/";

/** Enumerations written in seed 001, and two the seed leaves open (marked). */
export const MOCK_STRATA_ENUMS = {
  // "Filter by status: Active, Draft, Archived"
  controlStatus: ["Active", "Draft", "Archived"],
  // "Filter by phase: Planning, Fieldwork, Review, Reporting, Completed"
  engagementPhase: ["Planning", "Fieldwork", "Review", "Reporting", "Completed"],
  // "Filter by status: Open, Approved, Closed"
  findingStatus: ["Open", "Approved", "Closed"],
  // "Filter by status: new, assigned, in_progress, review, completed"
  caseStatus: ["new", "assigned", "in_progress", "review", "completed"],
  // "Filter by priority: low, medium, high, urgent"
  casePriority: ["low", "medium", "high", "urgent"],
  // "chart_type - Type of chart data (findings_by_risk, audit_phases, vendors_by_risk)"
  chartType: ["findings_by_risk", "audit_phases", "vendors_by_risk"],
  // Not in the seed ("Update Control Effectiveness" names no values): the mock's choice.
  controlEffectiveness: ["Effective", "Partially Effective", "Ineffective", "Not Tested"],
  // Not in the seed ("findings_by_risk" names no ratings): the mock's choice.
  findingRiskRating: ["Low", "Medium", "High", "Critical"],
} as const satisfies Record<string, readonly string[]>;

/** The type of one field of a record or filter, as the mock checks it. */
export interface MockFieldSpec {
  type: "string" | "int" | "number";
  enum?: readonly string[];
  /** Required on create. */
  required?: boolean;
}

type FieldTable = Readonly<Record<string, MockFieldSpec>>;

/** Fields each module's create/update accepts; anything else is VALIDATION_ERROR. */
export const MOCK_STRATA_FIELDS: Readonly<Record<StrataModule, FieldTable>> = {
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
    status: { type: "string", enum: MOCK_STRATA_ENUMS.controlStatus },
    effectiveness: { type: "string", enum: MOCK_STRATA_ENUMS.controlEffectiveness },
    owner_id: { type: "int" },
  },
  engagements: {
    title: { type: "string", required: true },
    phase: { type: "string", enum: MOCK_STRATA_ENUMS.engagementPhase },
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
    risk_rating: { type: "string", enum: MOCK_STRATA_ENUMS.findingRiskRating },
    status: { type: "string", enum: MOCK_STRATA_ENUMS.findingStatus },
    assigned_to: { type: "int" },
    due_date: { type: "string" },
  },
  cases: {
    title: { type: "string", required: true },
    description: { type: "string" },
    status: { type: "string", enum: MOCK_STRATA_ENUMS.caseStatus },
    priority: { type: "string", enum: MOCK_STRATA_ENUMS.casePriority },
    assigned_to: { type: "int" },
  },
  kpis: {},
};

/** List filters per module: the "Query Parameters" tables of seed 001 (besides `action`). */
export const MOCK_STRATA_FILTERS: Readonly<Record<StrataModule, FieldTable>> = {
  risks: { category: { type: "string" }, status: { type: "string" } },
  controls: {
    framework_id: { type: "int" },
    status: { type: "string", enum: MOCK_STRATA_ENUMS.controlStatus },
  },
  engagements: {
    phase: { type: "string", enum: MOCK_STRATA_ENUMS.engagementPhase },
    status: { type: "string" },
  },
  findings: {
    engagement_id: { type: "int" },
    status: { type: "string", enum: MOCK_STRATA_ENUMS.findingStatus },
    assigned_to: { type: "int" },
  },
  cases: {
    status: { type: "string", enum: MOCK_STRATA_ENUMS.caseStatus },
    priority: { type: "string", enum: MOCK_STRATA_ENUMS.casePriority },
  },
  kpis: {},
};

/** Body of "Submit Management Response" on a finding. */
export const MOCK_FINDING_RESPONSE_FIELDS: FieldTable = {
  management_response: { type: "string", required: true },
  action_plan: { type: "string" },
  target_date: { type: "string" },
};
