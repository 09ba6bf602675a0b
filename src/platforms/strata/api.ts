/**
 * StrataGRC's API over the one signed client (which adds `Cookie: session=`): the calls of
 * seed 001 with their query shapes and bodies, each answer read through envelope.ts and each
 * error through errors.ts.
 */
import type { RecordPage } from "../../core/platform.js";
import { AuthError, UsageError } from "../../errors.js";
import type { ApiClient, ApiRequest, RequestBody } from "../../http/types.js";
import {
  type DataShape,
  isRecord,
  normalise,
  SHAPE_TEXT,
  unexpectedAnswer,
  unwrap,
} from "./envelope.js";
import { SESSION_EXPIRED_MESSAGE, strataCodeError, strataError } from "./errors.js";
import {
  CASE_EVIDENCE_SUFFIX,
  query,
  STRATA_DEFAULT_PATHS,
  type StrataModule,
  type StrataPathKey,
  type StrataTarget,
} from "./paths.js";
import {
  checkFieldValue,
  checkRecordBody,
  FINDING_RESPONSE_FIELDS,
  STRATA_ENUMS,
  STRATA_FIELDS,
  STRATA_FILTERS,
} from "./schema.js";

/** One page of a list call. */
export type StrataPage<T = Record<string, unknown>> = RecordPage<T>;

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
