/**
 * The StrataGRC part of the mock (seed 001): session-cookie auth with organization context,
 * `action=list` lists with the seed's filters and enums, create/update/delete, the module
 * actions (effectiveness, phase, finding status, management response, KPI history/submit),
 * dashboard counts and charts, and multipart evidence upload to a case (SHA-256 checked).
 * It reads the seed through its own schema (strata-schema.ts), on its own paths. Every reply is
 * `{success: true, data}` or `{success: false, error: {code, message}}` (strata-requests.ts);
 * the fixtures and the state's shapes are strata-data.ts.
 */
import { createHash } from "node:crypto";
import { isMinimal, reverseKeys } from "./dialect.js";
import { MultipartError, parseMultipart } from "./multipart.js";
import {
  type KpiPoint,
  loadData,
  type RecordRow,
  type StrataEvidenceRow,
  type StrataSnapshot,
  type StrataUser,
} from "./strata-data.js";
import {
  checkBody,
  checkValue,
  cookieValue,
  fail,
  ok,
  parseId,
  parseJsonBody,
  StrataFailure,
} from "./strata-requests.js";
import {
  MOCK_FINDING_RESPONSE_FIELDS as FINDING_RESPONSE_FIELDS,
  MOCK_STRATA_PATHS,
  MOCK_STRATA_PREFIX,
  MOCK_STRATA_ENUMS as STRATA_ENUMS,
  MOCK_STRATA_FIELDS as STRATA_FIELDS,
  MOCK_STRATA_FILTERS as STRATA_FILTERS,
  STRATA_MODULES,
  type MockFieldSpec as StrataFieldSpec,
  type StrataModule,
} from "./strata-schema.js";
import type { MockPlatform, MockReply, MockRequest, MockRouterContext } from "./types.js";

export type { StrataEvidenceRow, StrataSnapshot } from "./strata-data.js";
export { STRATA_SERVER_ERROR_ID } from "./strata-requests.js";

/** A session whose user has the read-only "viewer" role: every change is PERMISSION_DENIED. */
export const STRATA_READ_ONLY_SESSION = "strata-readonly-session-0123456789abcdef";
/** A session the server considers expired: 401 AUTH_REQUIRED "Session expired". */
export const STRATA_EXPIRED_SESSION = "strata-expired-session-0123456789abcdef";
/** A session whose user belongs to no organization: 403 PERMISSION_DENIED. */
export const STRATA_NO_ORG_SESSION = "strata-no-org-session-0123456789abcdef";

const DEFAULT_PER_PAGE = 25;
const MAX_PER_PAGE = 100;

/** A record of each module as error messages name it. */
const SINGULAR: Record<StrataModule, string> = {
  risks: "Risk",
  controls: "Control",
  engagements: "Engagement",
  findings: "Finding",
  cases: "Case",
  kpis: "KPI",
};

/** The StrataGRC MockPlatform with a typed snapshot and a reset. */
export interface StrataMockPlatform extends Omit<MockPlatform, "snapshot"> {
  name: "strata";
  /** What /__mock/state shows under `strata`. */
  snapshot(): StrataSnapshot;
  /** Back to the fixtures (POST /__mock/reset). */
  reset(): void;
}

/** Builds the StrataGRC router over a fresh copy of the fixtures. */
export function createStrataPlatform(ctx: MockRouterContext): StrataMockPlatform {
  const { identity } = ctx;
  let data = loadData(ctx.options.dataDir);
  let evidence: StrataEvidenceRow[] = [];
  let changes: { method: string; module: string; id: number; action: string }[] = [];
  let nextIds: Record<string, number> = {};

  const nowIso = () =>
    ctx
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
  const nextId = (key: string, rows: readonly { id: number }[]) => {
    const current = nextIds[key] ?? Math.max(0, ...rows.map((r) => r.id));
    nextIds[key] = current + 1;
    return current + 1;
  };

  const sessions = new Map<string, { userId: number; orgId: string | null }>([
    [identity.session, { userId: 1, orgId: identity.orgId }],
    [STRATA_READ_ONLY_SESSION, { userId: 2, orgId: identity.orgId }],
    [STRATA_NO_ORG_SESSION, { userId: 3, orgId: null }],
  ]);

  const paths = MOCK_STRATA_PATHS;
  const minimal = isMinimal(ctx);
  const moduleOfPath = new Map<string, StrataModule>(STRATA_MODULES.map((m) => [paths[m], m]));

  /** Who is calling: 401 without a valid session, 403 outside the organization. */
  function authenticate(req: MockRequest): { user: StrataUser; orgId: string } {
    const cookieHeader = req.headers.cookie;
    const session = cookieValue(
      Array.isArray(cookieHeader) ? cookieHeader.join("; ") : cookieHeader,
      "session",
    );
    if (!session) throw new StrataFailure("AUTH_REQUIRED", "User not authenticated");
    if (session === STRATA_EXPIRED_SESSION)
      throw new StrataFailure("AUTH_REQUIRED", "Session expired");
    const known = sessions.get(session);
    if (!known) throw new StrataFailure("AUTH_REQUIRED", "User not authenticated");
    const user = data.users.find((u) => u.id === known.userId)!;
    if (!known.orgId) {
      throw new StrataFailure("PERMISSION_DENIED", "User does not belong to an organization");
    }
    const asked = req.headers["x-organization-id"];
    const askedOrg = Array.isArray(asked) ? asked[0] : asked;
    if (askedOrg && askedOrg !== known.orgId) {
      throw new StrataFailure(
        "PERMISSION_DENIED",
        `User is not a member of organization ${askedOrg}`,
      );
    }
    return { user, orgId: known.orgId };
  }

  function requireWrite(user: StrataUser): void {
    if (user.role === "viewer") {
      throw new StrataFailure("PERMISSION_DENIED", `Role '${user.role}' cannot modify records`);
    }
  }

  function find(module: StrataModule, id: number): RecordRow {
    const row = data.records[module].find((r) => r.id === id);
    if (!row) throw new StrataFailure("NOT_FOUND", `${SINGULAR[module]} ${id} not found`);
    return row;
  }

  /** A record the user may change: a viewer or a locked record is refused. */
  function findWritable(
    module: StrataModule,
    id: number,
    user: StrataUser,
    verb: "changed" | "deleted",
  ): RecordRow {
    requireWrite(user);
    const row = find(module, id);
    if (row.locked) {
      throw new StrataFailure(
        "PERMISSION_DENIED",
        `${SINGULAR[module]} ${id} is locked and cannot be ${verb}`,
      );
    }
    return row;
  }

  function present(row: RecordRow): Record<string, unknown> {
    return { ...row };
  }

  function listRecords(module: StrataModule, url: URL): MockReply {
    const filters = STRATA_FILTERS[module];
    let rows = data.records[module];
    for (const [key, spec] of Object.entries(filters)) {
      const raw = url.searchParams.get(key);
      if (raw === null || raw === "") continue;
      const wanted = checkValue(spec, raw, key);
      rows = rows.filter((r) => r[key] === wanted);
    }
    const perPage = url.searchParams.has("per_page")
      ? Number(url.searchParams.get("per_page"))
      : DEFAULT_PER_PAGE;
    const page = url.searchParams.has("page") ? Number(url.searchParams.get("page")) : 1;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      throw new StrataFailure("VALIDATION_ERROR", `per_page must be between 1 and ${MAX_PER_PAGE}`);
    }
    if (!Number.isInteger(page) || page < 1) {
      throw new StrataFailure("VALIDATION_ERROR", "page must be a positive integer");
    }
    // Seed 001 documents no paging: the minimal dialect answers every row, whatever is asked.
    if (minimal) return ok(rows.map(present));
    const total = rows.length;
    const slice = rows.slice((page - 1) * perPage, page * perPage).map(present);
    return ok(slice, {
      pagination: {
        page,
        per_page: perPage,
        total,
        total_pages: Math.max(1, Math.ceil(total / perPage)),
      },
    });
  }

  function createRecord(module: StrataModule, req: MockRequest, user: StrataUser): MockReply {
    requireWrite(user);
    const body = checkBody(STRATA_FIELDS[module], parseJsonBody(req), false);
    const rows = data.records[module];
    const now = nowIso();
    const row: RecordRow = { id: nextId(module, rows), ...defaults(module, body, user), ...body };
    if (module === "risks") {
      row.score = Number(row.likelihood ?? 0) * Number(row.impact ?? 0);
      row.created_at = now;
      row.updated_at = now;
    }
    if (module === "cases") {
      row.case_number = `IMS-${now.slice(0, 4)}-${String(row.id).padStart(4, "0")}`;
      row.created_at = now;
    }
    if (module === "controls") {
      const fw = data.frameworks.find((f) => f.id === row.framework_id);
      if (!fw)
        throw new StrataFailure("VALIDATION_ERROR", `Unknown framework_id: ${row.framework_id}`);
      row.framework = fw.name;
    }
    if (module === "findings") find("engagements", Number(row.engagement_id));
    rows.push(row);
    changes.push({ method: "POST", module, id: row.id, action: "create" });
    return ok(present(row));
  }

  function defaults(
    module: StrataModule,
    body: Record<string, unknown>,
    user: StrataUser,
  ): Record<string, unknown> {
    switch (module) {
      case "risks":
        return {
          description: "",
          status: "Open",
          likelihood: 1,
          impact: 1,
          owner_id: user.id,
          locked: false,
        };
      case "controls":
        return {
          description: "",
          status: "Draft",
          effectiveness: "Not Tested",
          owner_id: user.id,
          last_tested_at: null,
          locked: false,
        };
      case "engagements":
        return {
          phase: "Planning",
          status: "Active",
          lead_auditor_id: user.id,
          start_date: null,
          end_date: null,
          scope: "",
          locked: false,
        };
      case "findings":
        return {
          description: "",
          risk_rating: "Medium",
          status: "Open",
          assigned_to: body.assigned_to ?? null,
          due_date: null,
          management_response: null,
          locked: false,
        };
      case "cases":
        return {
          description: "",
          status: "new",
          priority: "medium",
          assigned_to: null,
          evidence: [],
          locked: false,
        };
      default:
        return {};
    }
  }

  function updateRecord(
    module: StrataModule,
    id: number,
    req: MockRequest,
    user: StrataUser,
  ): MockReply {
    const row = findWritable(module, id, user, "changed");
    const body = checkBody(STRATA_FIELDS[module], parseJsonBody(req), true);
    Object.assign(row, body);
    if (module === "risks") {
      row.score = Number(row.likelihood ?? 0) * Number(row.impact ?? 0);
      row.updated_at = nowIso();
    }
    changes.push({ method: "PUT", module, id, action: "update" });
    return ok(present(row));
  }

  function deleteRecord(module: StrataModule, id: number, user: StrataUser): MockReply {
    findWritable(module, id, user, "deleted");
    data.records[module] = data.records[module].filter((r) => r.id !== id);
    changes.push({ method: "DELETE", module, id, action: "delete" });
    return ok({ id, deleted: true });
  }

  /** PUT/POST ?action=X&id=N on a module: effectiveness, phase, status, respond, submit. */
  function recordAction(
    module: StrataModule,
    action: string,
    id: number,
    req: MockRequest,
    user: StrataUser,
  ): MockReply {
    const set = (field: string, spec: StrataFieldSpec) => {
      const row = findWritable(module, id, user, "changed");
      const body = parseJsonBody(req);
      if (body[field] === undefined)
        throw new StrataFailure("VALIDATION_ERROR", `Missing required field: ${field}`);
      row[field] = checkValue(spec, body[field], field);
      if (module === "controls") row.last_tested_at = nowIso().slice(0, 10);
      changes.push({ method: req.method, module, id, action });
      return ok(present(row));
    };
    const key = `${req.method} ${module} ${action}`;
    switch (key) {
      case "PUT controls effectiveness":
        return set("effectiveness", STRATA_FIELDS.controls.effectiveness!);
      case "PUT engagements phase":
        return set("phase", STRATA_FIELDS.engagements.phase!);
      case "PUT findings status":
        return set("status", STRATA_FIELDS.findings.status!);
      case "POST findings respond": {
        requireWrite(user);
        const row = find("findings", id);
        const body = checkBody(FINDING_RESPONSE_FIELDS, parseJsonBody(req), false);
        row.management_response = {
          response: body.management_response,
          action_plan: body.action_plan ?? null,
          target_date: body.target_date ?? null,
          submitted_by: user.id,
          submitted_at: nowIso(),
        };
        changes.push({ method: "POST", module, id, action });
        return ok(present(row));
      }
      case "POST kpis submit": {
        requireWrite(user);
        const kpi = find("kpis", id);
        const body = parseJsonBody(req);
        if (body.value === undefined)
          throw new StrataFailure("VALIDATION_ERROR", "Missing required field: value");
        const value = checkValue({ type: "number" }, body.value, "value") as number;
        const period =
          body.period === undefined
            ? nowIso().slice(0, 7)
            : (checkValue({ type: "string" }, body.period, "period") as string);
        if (!/^\d{4}-(0[1-9]|1[0-2])$|^\d{4}-Q[1-4]$/.test(period)) {
          throw new StrataFailure("VALIDATION_ERROR", "period must look like 2026-11 or 2026-Q4");
        }
        for (const k of Object.keys(body)) {
          if (k !== "value" && k !== "period")
            throw new StrataFailure("VALIDATION_ERROR", `Unknown field: ${k}`);
        }
        // A second submission for the same period replaces the first (a correction).
        data.kpiHistory = data.kpiHistory.filter((p) => !(p.kpi_id === id && p.period === period));
        const point: KpiPoint = {
          kpi_id: id,
          period,
          value,
          submitted_by: user.id,
          submitted_at: nowIso(),
        };
        data.kpiHistory.push(point);
        const latest = data.kpiHistory
          .filter((p) => p.kpi_id === id)
          .sort((a, b) => a.period.localeCompare(b.period))
          .at(-1);
        kpi.current_value = latest?.value ?? value;
        changes.push({ method: "POST", module, id, action });
        return ok(point);
      }
      default:
        throw new StrataFailure(
          "VALIDATION_ERROR",
          `Unknown action '${action}' for ${req.method} ${module}`,
        );
    }
  }

  function handleModule(module: StrataModule, req: MockRequest, user: StrataUser): MockReply {
    const q = req.url.searchParams;
    const action = q.get("action");
    if (req.method === "GET") {
      if (action === "list") return listRecords(module, req.url);
      if (action === "get" && module !== "kpis")
        return ok(present(find(module, parseId(q.get("id")))));
      if (action === "history" && module === "kpis") {
        const id = parseId(q.get("id"));
        find("kpis", id);
        const points = data.kpiHistory
          .filter((p) => p.kpi_id === id)
          .sort((a, b) => a.period.localeCompare(b.period));
        return ok(points);
      }
      if (!action)
        throw new StrataFailure(
          "VALIDATION_ERROR",
          "Missing required parameter: action (must be list)",
        );
      throw new StrataFailure("VALIDATION_ERROR", `Unknown action '${action}'`);
    }
    if (action) return recordAction(module, action, parseId(q.get("id")), req, user);
    if (module === "kpis") throw new StrataFailure("VALIDATION_ERROR", "KPIs take action=submit");
    if (req.method === "POST") return createRecord(module, req, user);
    if (req.method === "PUT") return updateRecord(module, parseId(q.get("id")), req, user);
    if (req.method === "DELETE") {
      // The seed shows a request body for delete; accept the id there too.
      let id: unknown = q.get("id");
      if (id === null && req.body.length > 0) id = parseJsonBody(req).id;
      return deleteRecord(module, parseId(id), user);
    }
    return fail("VALIDATION_ERROR", `Method ${req.method} not allowed`);
  }

  function dashboard(): MockReply {
    const r = data.records;
    return ok({
      total_risks: r.risks.length,
      high_risks: r.risks.filter((x) => Number(x.score) >= 15).length,
      open_risks: r.risks.filter((x) => x.status !== "Closed").length,
      active_controls: r.controls.filter((x) => x.status === "Active").length,
      active_engagements: r.engagements.filter((x) => x.phase !== "Completed").length,
      open_findings: r.findings.filter((x) => x.status === "Open").length,
      open_cases: r.cases.filter((x) => x.status !== "completed").length,
      kpis: r.kpis.length,
      vendors: data.vendors.length,
    });
  }

  function chart(url: URL): MockReply {
    const type = url.searchParams.get("chart_type");
    if (!type)
      throw new StrataFailure("VALIDATION_ERROR", "Missing required parameter: chart_type");
    checkValue({ type: "string", enum: STRATA_ENUMS.chartType }, type, "chart_type");
    const count = (labels: readonly string[], values: string[]) => ({
      chart_type: type,
      labels: [...labels],
      values: labels.map((l) => values.filter((v) => v === l).length),
    });
    if (type === "findings_by_risk") {
      return ok(
        count(
          STRATA_ENUMS.findingRiskRating,
          data.records.findings.map((f) => String(f.risk_rating)),
        ),
      );
    }
    if (type === "audit_phases") {
      return ok(
        count(
          STRATA_ENUMS.engagementPhase,
          data.records.engagements.map((e) => String(e.phase)),
        ),
      );
    }
    return ok(
      count(
        ["Low", "Medium", "High", "Critical"],
        data.vendors.map((v) => v.risk_level),
      ),
    );
  }

  function uploadEvidence(req: MockRequest, user: StrataUser): MockReply {
    requireWrite(user);
    if (req.method !== "POST")
      throw new StrataFailure("VALIDATION_ERROR", `Method ${req.method} not allowed`);
    const caseId = parseId(req.url.searchParams.get("case_id"), "case_id");
    const kase = find("cases", caseId);
    const type = String(req.headers["content-type"] ?? "");
    if (!type.toLowerCase().startsWith("multipart/form-data")) {
      throw new StrataFailure("VALIDATION_ERROR", "Evidence must be sent as multipart/form-data");
    }
    let parts: ReturnType<typeof parseMultipart>;
    try {
      parts = parseMultipart(req.body, type);
    } catch (err) {
      if (err instanceof MultipartError) throw new StrataFailure("VALIDATION_ERROR", err.message);
      throw err;
    }
    const file = parts.find((p) => p.name === "file" && p.filename !== undefined);
    if (!file) throw new StrataFailure("VALIDATION_ERROR", "Missing required field: file");
    if (!file.filename) throw new StrataFailure("VALIDATION_ERROR", "file has no filename");
    const sha256 = createHash("sha256").update(file.data).digest("hex");
    const expected = parts
      .find((p) => p.name === "sha256")
      ?.data.toString("utf8")
      .trim();
    if (expected !== undefined && expected.toLowerCase() !== sha256) {
      throw new StrataFailure(
        "VALIDATION_ERROR",
        `SHA-256 mismatch: received ${sha256}, expected ${expected}`,
      );
    }
    const description = parts.find((p) => p.name === "description")?.data.toString("utf8") ?? null;
    // The same content on the same case is stored once: a retried upload is harmless.
    const existing = evidence.find((e) => e.case_id === caseId && e.sha256 === sha256);
    if (existing) return ok({ ...existing, created: false });
    const row: StrataEvidenceRow = {
      id: nextId("evidence", evidence),
      case_id: caseId,
      filename: file.filename,
      content_type: file.contentType ?? "application/octet-stream",
      size: file.data.length,
      sha256,
      description,
      uploaded_by: user.id,
      uploaded_at: nowIso(),
    };
    evidence.push(row);
    (kase.evidence as unknown[]).push({
      id: row.id,
      filename: row.filename,
      sha256,
      size: row.size,
    });
    changes.push({ method: "POST", module: "cases", id: caseId, action: "evidence" });
    return ok({ ...row, created: true });
  }

  function route(req: MockRequest, path: string): MockReply {
    const { user, orgId } = authenticate(req);
    if (path === paths.authStatus) {
      if (req.method !== "GET")
        throw new StrataFailure("VALIDATION_ERROR", `Method ${req.method} not allowed`);
      return ok({
        authenticated: true,
        user: {
          id: user.id,
          username: user.username,
          name: user.name,
          email: user.email,
          role: user.role,
        },
        organization: { id: orgId, name: data.organizationName },
      });
    }
    if (path === paths.dashboard) return dashboard();
    if (path === paths.chart) return chart(req.url);
    if (path === paths.caseEvidence) return uploadEvidence(req, user);
    const module = moduleOfPath.get(path);
    if (module) return handleModule(module, req, user);
    return fail("NOT_FOUND", `No endpoint at ${path}`);
  }

  /**
   * The minimal dialect's shapes: seed 001 shows no response bodies, so each endpoint answers
   * in one of the shapes a server written from the seed may use. The status call is the bare
   * `{authenticated, user, organization}`; modules alternate between the bare value (risks,
   * engagements, cases) and `{"data": ...}` with an unknown extra member (controls, findings,
   * KPIs); the dashboard and charts are bare. Errors keep the envelope and the seed's codes.
   */
  function minimalReply(path: string, full: MockReply): MockReply {
    const body = JSON.parse(String(full.body)) as { success: boolean; data?: unknown };
    if (!body.success) return { ...full, body: JSON.stringify(reverseKeys(body)) };
    const module = path === paths.caseEvidence ? "cases" : moduleOfPath.get(path);
    const wrapped = module !== undefined && STRATA_MODULES.indexOf(module) % 2 === 1;
    const shaped = wrapped ? { data: body.data, request_id: `req-${changes.length}` } : body.data;
    return { ...full, body: JSON.stringify(reverseKeys(shaped)) };
  }

  return {
    name: "strata",
    handle(req) {
      const path = req.url.pathname.replace(/\/+$/, "");
      if (!path.startsWith(MOCK_STRATA_PREFIX)) return undefined;
      let answer: MockReply;
      try {
        answer = route(req, path);
      } catch (err) {
        if (err instanceof StrataFailure) answer = fail(err.code, err.message);
        else throw err;
      }
      return minimal ? minimalReply(path, answer) : answer;
    },
    snapshot() {
      return {
        evidence: evidence.map((e) => ({ ...e })),
        changes: changes.map((c) => ({ ...c })),
        counts: Object.fromEntries(
          Object.entries(data.records).map(([k, rows]) => [k, rows.length]),
        ),
      };
    },
    reset() {
      data = loadData(ctx.options.dataDir);
      evidence = [];
      changes = [];
      nextIds = {};
    },
  };
}
