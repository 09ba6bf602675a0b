/**
 * StrataGRC's dialect (seed 001): module paths (each overridable by a profile's `paths`),
 * `action=list` query shapes, request bodies, the `{success, data}` envelope, the enums the
 * seed names (checked before a request is sent), and its error codes with their Solution text.
 * Commands and the core speak to StrataGRC only through this file.
 */
import { AuthError, HttpError, UnavailableError, UsageError } from "../../errors.js";
import { STRATA_ERROR_SOLUTIONS } from "../../http/error-decoder.js";
import type { ApiClient, ApiRequest, RequestBody } from "../../http/types.js";

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

/** The seed's error codes with their "Solution" column (one table, shared with the HTTP client's decoder). */
export { STRATA_ERROR_SOLUTIONS };

/** The status each code stands for: it picks the exit code (401/403 -> 3, 404/422 -> 2, 500 -> 4). */
const STRATA_ERROR_STATUS: Readonly<Record<string, number>> = {
  AUTH_REQUIRED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  VALIDATION_ERROR: 422,
  SERVER_ERROR: 500,
};

/** The one line an expired session gets, everywhere. */
export const SESSION_EXPIRED_MESSAGE =
  "session expired: log in to the StrataGRC web app and run `grc auth login --platform strata --session-stdin` again";

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

/** One page of a list call. */
export interface StrataPage<T = Record<string, unknown>> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
  totalPages: number;
}

/** Where a profile points the modules and for which organization it speaks. */
export interface StrataTarget {
  paths?: Record<string, string>;
  orgId?: string | undefined;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** StrataGRC's API over the one signed client (which adds `Cookie: session=`). */
export class StrataApi {
  constructor(
    private readonly api: ApiClient,
    private readonly target: StrataTarget = {},
  ) {}

  /** The path of a module: the profile's override or the default. */
  path(key: StrataPathKey): string {
    return this.target.paths?.[key] ?? STRATA_DEFAULT_PATHS[key];
  }

  /**
   * Sends a request and reads the answer in any of the shapes a StrataGRC server may use (the
   * seed shows no response body): the envelope `{"success": true, "data": ...}`, `{"data":
   * ...}`, or the bare value. A body carrying one of the seed's error codes is that error,
   * whatever the status.
   */
  async call<T = unknown>(
    req: Omit<ApiRequest, "headers"> & { headers?: Record<string, string> },
    shape: DataShape = "any",
  ): Promise<{ data: T; envelope: Record<string, unknown> }> {
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (this.target.orgId) headers["x-organization-id"] = this.target.orgId;
    const where = `${req.method} ${req.path.split("?")[0]}`;
    let body: unknown;
    try {
      const res = await this.api.request({ ...req, headers });
      body = res.body.length === 0 ? undefined : res.json<unknown>();
    } catch (err) {
      if (err instanceof SyntaxError) throw unexpectedAnswer(where, "the body is not JSON");
      throw strataError(err);
    }
    const coded = strataCodeError(body);
    if (coded) throw coded;
    const { data, envelope } = unwrap(body);
    const normalised = normalise(data, shape);
    if (normalised === undefined) {
      throw unexpectedAnswer(
        where,
        body === undefined ? "the body is empty" : `"data" is not ${SHAPE_TEXT[shape]}`,
      );
    }
    return { data: normalised as T, envelope };
  }

  private json(body: unknown): { body: string; headers: Record<string, string> } {
    return { body: JSON.stringify(body), headers: { "content-type": "application/json" } };
  }

  /**
   * GET auth status: who is logged in, for which organization. `authenticated: false` is the
   * seed's "not logged in or session expired" (exit 3), whatever the status code.
   */
  async authStatus(): Promise<StrataAuthStatus> {
    const { data } = await this.call<Record<string, unknown>>(
      { method: "GET", path: this.path("authStatus") },
      "object",
    );
    const authenticated = data.authenticated;
    if (authenticated === false || authenticated === "false") {
      throw new AuthError(SESSION_EXPIRED_MESSAGE);
    }
    const user = isRecord(data.user) ? data.user : undefined;
    const org = isRecord(data.organization) ? data.organization : undefined;
    const text = (v: unknown) =>
      typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
    return {
      ...data,
      authenticated: true,
      ...(user
        ? {
            user: {
              ...user,
              username:
                text(user.username) ?? text(user.name) ?? text(user.email) ?? text(user.id) ?? "",
            } as NonNullable<StrataAuthStatus["user"]>,
          }
        : {}),
      organization: org
        ? ({ ...org, id: text(org.id) ?? "" } as { id: string; name?: string })
        : null,
    };
  }

  /** GET dashboard KPI counts. */
  async dashboard(): Promise<Record<string, unknown>> {
    return (
      await this.call<Record<string, unknown>>(
        { method: "GET", path: this.path("dashboard") },
        "object",
      )
    ).data;
  }

  /** GET chart data for one chart type. */
  async chart(chartType: string): Promise<StrataChart> {
    checkFieldValue({ type: "string", enum: STRATA_ENUMS.chartType }, chartType, "chart type");
    return (
      await this.call<StrataChart>(
        { method: "GET", path: this.path("chart") + query({ chart_type: chartType }) },
        "chart",
      )
    ).data;
  }

  /** One page of `action=list` with the module's filters (checked before sending). */
  async list(
    module: StrataModule,
    filters: Record<string, unknown> = {},
    paging: { page?: number; perPage?: number } = {},
  ): Promise<StrataPage> {
    return (await this.listPage(module, filters, paging)).page;
  }

  private async listPage(
    module: StrataModule,
    filters: Record<string, unknown>,
    paging: { page?: number; perPage?: number },
  ): Promise<{ page: StrataPage; paginated: boolean }> {
    const specs = STRATA_FILTERS[module];
    const params: Record<string, string | number | undefined> = { action: "list" };
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      const spec = specs[key];
      if (!spec) throw new UsageError(`unknown filter "${key}" for ${module}`);
      params[key] = checkFieldValue(spec, value, `--${key.replace(/_/g, "-")}`) as string | number;
    }
    params.page = paging.page;
    params.per_page = paging.perPage;
    const { data, envelope } = await this.call<Record<string, unknown>[]>(
      { method: "GET", path: this.path(module) + query(params) },
      "list",
    );
    const items = data;
    // Pagination, when the server gives it: `pagination` beside data or in `meta` (numbers or
    // their text). Without it the answer is the whole list: one page.
    const meta = isRecord(envelope.meta) ? envelope.meta : {};
    const p = isRecord(envelope.pagination)
      ? envelope.pagination
      : isRecord(meta.pagination)
        ? meta.pagination
        : {};
    const num = (v: unknown, d: number): number => {
      const n = typeof v === "number" ? v : typeof v === "string" ? Number(v.trim()) : Number.NaN;
      return Number.isInteger(n) && n >= 0 && (typeof v !== "string" || v.trim() !== "") ? n : d;
    };
    const page: StrataPage = {
      items,
      page: num(p.page, 1),
      perPage: num(p.per_page, items.length),
      total: num(p.total, items.length),
      totalPages: num(p.total_pages, 1),
    };
    // Whether the answer said how it is paginated (listAll walks on without it).
    return { page, paginated: p.total_pages !== undefined };
  }

  /**
   * Every page of a list, one page at a time (`--all`). With pagination in the answers the
   * walk ends on the last page; without it (the seed documents none) it asks for the next page
   * until one is empty or brings no record not seen before, so a server that pages silently
   * is read whole and one that ignores `page` costs one more request. Either way a page that
   * brings nothing new ends the walk (a server claiming 10^9 pages is not walked to them).
   */
  async *listAll(
    module: StrataModule,
    filters: Record<string, unknown> = {},
    perPage?: number,
  ): AsyncGenerator<StrataPage> {
    const seen = new Set<string>();
    let page = 1;
    for (;;) {
      const { page: result, paginated } = await this.listPage(module, filters, {
        page,
        ...(perPage ? { perPage } : {}),
      });
      const keys = result.items.map((r) =>
        r.id !== undefined ? `id:${String(r.id)}` : JSON.stringify(r),
      );
      const fresh = keys.filter((k) => !seen.has(k));
      for (const k of keys) seen.add(k);
      if (page > 1 && fresh.length === 0) return;
      yield result;
      if (result.items.length === 0) return;
      if (paginated && result.page >= result.totalPages) return;
      page = Math.max(page, result.page) + 1;
    }
  }

  /** GET one record (`action=get&id=N`). */
  async get(module: StrataModule, id: number): Promise<Record<string, unknown>> {
    return (
      await this.call<Record<string, unknown>>(
        { method: "GET", path: this.path(module) + query({ action: "get", id }) },
        "object",
      )
    ).data;
  }

  /** POST a new record; the body must already be checked (checkRecordBody). */
  async create(
    module: StrataModule,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return (
      await this.call<Record<string, unknown>>(
        {
          method: "POST",
          path: this.path(module),
          ...this.json(body),
        },
        "object",
      )
    ).data;
  }

  /** PUT changed fields of a record (`?id=N`). */
  async update(
    module: StrataModule,
    id: number,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return (
      await this.call<Record<string, unknown>>(
        {
          method: "PUT",
          path: this.path(module) + query({ id }),
          ...this.json(body),
        },
        "object",
      )
    ).data;
  }

  /** DELETE a record (`?id=N`). */
  async remove(module: StrataModule, id: number): Promise<Record<string, unknown>> {
    return (
      await this.call<Record<string, unknown>>(
        {
          method: "DELETE",
          path: this.path(module) + query({ id }),
        },
        "object",
      )
    ).data;
  }

  /** PUT controls?action=effectiveness&id=N `{effectiveness}`. */
  async setControlEffectiveness(id: number, value: string): Promise<Record<string, unknown>> {
    checkFieldValue(STRATA_FIELDS.controls.effectiveness!, value, "effectiveness");
    return this.recordAction("controls", "PUT", "effectiveness", id, { effectiveness: value });
  }

  /** PUT engagements?action=phase&id=N `{phase}`. */
  async setEngagementPhase(id: number, phase: string): Promise<Record<string, unknown>> {
    checkFieldValue(STRATA_FIELDS.engagements.phase!, phase, "phase");
    return this.recordAction("engagements", "PUT", "phase", id, { phase });
  }

  /** PUT findings?action=status&id=N `{status}`. */
  async setFindingStatus(id: number, status: string): Promise<Record<string, unknown>> {
    checkFieldValue(STRATA_FIELDS.findings.status!, status, "status");
    return this.recordAction("findings", "PUT", "status", id, { status });
  }

  /** POST findings?action=respond&id=N `{management_response, action_plan?, target_date?}`. */
  async respondToFinding(
    id: number,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const checked = checkRecordBody(FINDING_RESPONSE_FIELDS, body, "a management response", false);
    return this.recordAction("findings", "POST", "respond", id, checked);
  }

  /** GET kpis?action=history&id=N: the KPI's performance history. */
  async kpiHistory(id: number): Promise<Record<string, unknown>[]> {
    const { data } = await this.call<Record<string, unknown>[]>(
      { method: "GET", path: this.path("kpis") + query({ action: "history", id }) },
      "list",
    );
    return data;
  }

  /** POST kpis?action=submit&id=N `{value, period?}`: one performance data point. */
  async submitKpi(id: number, value: number, period?: string): Promise<Record<string, unknown>> {
    return this.recordAction("kpis", "POST", "submit", id, {
      value,
      ...(period !== undefined ? { period } : {}),
    });
  }

  /**
   * POST `<cases>/evidence?case_id=N` with a multipart body the caller streams (its factory
   * is called again on a retry). The mock dedupes on (case, SHA-256), so a retry is safe.
   */
  async uploadCaseEvidence(
    caseId: number,
    body: RequestBody,
    contentType: string,
    contentLength: number,
    signal?: AbortSignal,
  ): Promise<StrataCaseEvidence> {
    const { data } = await this.call<Record<string, unknown>>(
      {
        method: "POST",
        path: this.path("cases") + CASE_EVIDENCE_SUFFIX + query({ case_id: caseId }),
        headers: { "content-type": contentType },
        body,
        contentLength,
        idempotent: true,
        ...(signal ? { signal } : {}),
      },
      "object",
    );
    // The record's id is what the receipt and state name the upload by: required. The
    // SHA-256 the server computed is checked by the caller when it is given (any case).
    const id = data.id;
    const validId =
      (typeof id === "number" && Number.isFinite(id)) ||
      (typeof id === "string" && id.trim() !== "");
    if (!validId) {
      throw unexpectedAnswer(
        `POST ${this.path("cases")}${CASE_EVIDENCE_SUFFIX}`,
        'the uploaded evidence has no "id"',
      );
    }
    const created = data.created;
    return {
      ...data,
      id: id as number | string,
      sha256: typeof data.sha256 === "string" ? data.sha256.trim().toLowerCase() : undefined,
      created: typeof created === "boolean" ? created : null,
    } as StrataCaseEvidence;
  }

  private async recordAction(
    module: StrataModule,
    method: "PUT" | "POST",
    action: string,
    id: number,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return (
      await this.call<Record<string, unknown>>(
        {
          method,
          path: this.path(module) + query({ action, id }),
          ...this.json(body),
        },
        "object",
      )
    ).data;
  }
}

/** What a call's `data` must be: checked once, in `call`, so no command meets a null. */
type DataShape = "any" | "object" | "list" | "chart";

const SHAPE_TEXT: Record<DataShape, string> = {
  any: "anything",
  object: "an object",
  list: "a list of objects",
  chart: "a chart ({labels: [...], values: [...]})",
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * `data` in the shape a caller needs, or undefined when it is not: objects as they are, a list
 * of objects, a chart whose values are numbers (also sent as their text).
 */
function normalise(data: unknown, shape: DataShape): unknown {
  switch (shape) {
    case "object":
      return isRecord(data) ? data : undefined;
    case "list":
      return Array.isArray(data) && data.every(isRecord) ? data : undefined;
    case "chart": {
      if (!isRecord(data) || !Array.isArray(data.labels) || !Array.isArray(data.values)) {
        return undefined;
      }
      const values = data.values.map((v) =>
        typeof v === "string" && v.trim() !== "" ? Number(v) : v,
      );
      const ok =
        data.labels.every((l) => typeof l === "string") &&
        values.every((v) => typeof v === "number" && Number.isFinite(v));
      return ok ? { ...data, values } : undefined;
    }
    default:
      return data;
  }
}

/**
 * Splits an answer into its data and the object around it: `{"success": true, "data": D}` and
 * `{"data": D}` give D; `{"success": true, ...fields}` gives the fields; anything else is the
 * bare value.
 */
export function unwrap(body: unknown): { data: unknown; envelope: Record<string, unknown> } {
  if (!isRecord(body)) return { data: body, envelope: {} };
  if ("data" in body) return { data: body.data, envelope: body };
  if (body.success === true) {
    const { success: _success, ...rest } = body;
    return { data: rest, envelope: body };
  }
  return { data: body, envelope: {} };
}

/**
 * The seed's error codes wherever an answer carries them (`{"success": false, "error": {code,
 * message}}`, `{"error": "CODE", "message"}`, `{"code": "CODE"}`), even with a 200 status.
 */
function strataCodeError(body: unknown): HttpError | AuthError | undefined {
  if (!isRecord(body)) return undefined;
  const error = body.error;
  const nested = isRecord(error) ? error : undefined;
  const code = [nested?.code, error, body.code, body.error_code].find(
    (c): c is string => typeof c === "string" && STRATA_ERROR_STATUS[c] !== undefined,
  );
  if (!code) {
    if (body.success === false) {
      const message = [nested?.message, body.message, error].find(
        (m): m is string => typeof m === "string" && m.trim() !== "",
      );
      return new HttpError(`StrataGRC refused the request${message ? `: ${clip(message)}` : ""}`, {
        status: 500,
        details: message ? [clip(message)] : [],
      });
    }
    return undefined;
  }
  const message = [nested?.message, body.message].find(
    (m): m is string => typeof m === "string" && m.trim() !== "",
  );
  const text = message ? `${clip(message)} (${code})` : code;
  const err = new HttpError(text, {
    status: STRATA_ERROR_STATUS[code]!,
    code,
    details: [message ? clip(message) : code],
    hint: STRATA_ERROR_SOLUTIONS[code]!,
  });
  return strataError(err) as HttpError | AuthError;
}

/** One line of server text: control characters removed, at most 300 characters. */
function clip(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")
    .trim()
    .slice(0, 300);
}

function unexpectedAnswer(where: string, why: string): UnavailableError {
  return new UnavailableError(
    `unexpected StrataGRC response from ${where}: ${why}`,
    "check the base URL and the profile's StrataGRC paths (`grc config list`)",
  );
}

/** `data` of the auth status call. */
export interface StrataAuthStatus {
  authenticated: boolean;
  user?: { id: number; username: string; name?: string; email?: string; role?: string };
  organization?: { id: string; name?: string } | null;
}

/** `data` of a chart call. */
export interface StrataChart {
  chart_type: string;
  labels: string[];
  values: number[];
}

/** `data` of a case evidence upload (`id` required; the rest as the server gave it). */
export interface StrataCaseEvidence {
  id: number | string;
  case_id?: number;
  filename?: string;
  content_type?: string;
  size?: number;
  /** The server's SHA-256 of what it stored, lower-cased; undefined when it did not say. */
  sha256: string | undefined;
  uploaded_at?: string;
  /** false when the case already held this file; null when the server did not say. */
  created: boolean | null;
}

/**
 * Turns a StrataGRC error into the documented line: an expired session names the fix (log in
 * to the web app, then `grc auth login`); other seed codes keep their message plus the seed's
 * Solution as the hint; exit codes: AUTH_REQUIRED/PERMISSION_DENIED 3, NOT_FOUND and
 * VALIDATION_ERROR 2, SERVER_ERROR 4.
 */
export function strataError(err: unknown): unknown {
  if (!(err instanceof HttpError)) return err;
  const code = err.code;
  if (code === "AUTH_REQUIRED" && /expired/i.test(err.message)) {
    return new AuthError(SESSION_EXPIRED_MESSAGE, undefined, { cause: err });
  }
  const status = code ? STRATA_ERROR_STATUS[code] : undefined;
  if (code && status) {
    return new HttpError(
      err.message,
      { status, code, details: err.details, hint: STRATA_ERROR_SOLUTIONS[code]! },
      { cause: err },
    );
  }
  return err;
}
