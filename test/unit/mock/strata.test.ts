import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { demoIdentity } from "../../../src/mock/identity.js";
import {
  createStrataPlatform,
  STRATA_EXPIRED_SESSION,
  STRATA_NO_ORG_SESSION,
  STRATA_READ_ONLY_SESSION,
} from "../../../src/mock/strata.js";
import type { MockReply } from "../../../src/mock/types.js";

const BASE = "http://127.0.0.1:4010";
const clock = new Date("2026-11-23T10:00:00Z");

function platform() {
  return createStrataPlatform({
    identity: demoIdentity,
    options: {},
    now: () => clock,
    baseUrl: () => BASE,
    storageUrl: () => "http://127.0.0.1:4011",
  });
}

type Strata = ReturnType<typeof platform>;

async function call(
  p: Strata,
  method: string,
  rawUrl: string,
  opts: {
    body?: unknown;
    raw?: Buffer;
    contentType?: string;
    session?: string | null;
    org?: string;
  } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  const session = opts.session === undefined ? demoIdentity.session : opts.session;
  if (session !== null) headers.cookie = `theme=dark; session=${session}`;
  if (opts.org) headers["x-organization-id"] = opts.org;
  let body: Buffer = Buffer.alloc(0);
  if (opts.raw) {
    body = opts.raw;
    headers["content-type"] = opts.contentType ?? "application/octet-stream";
  } else if (opts.body !== undefined) {
    body = Buffer.from(JSON.stringify(opts.body));
    headers["content-type"] = "application/json";
  }
  const res = (await p.handle({
    method,
    rawUrl,
    url: new URL(rawUrl, BASE),
    headers,
    body,
    loopback: true,
  })) as MockReply;
  return { status: res.status, json: JSON.parse(String(res.body)) };
}

function multipart(
  file: Buffer,
  filename: string,
  extra: Record<string, string> = {},
): { raw: Buffer; contentType: string } {
  const boundary = "----grc-test-boundary";
  const chunks: Buffer[] = [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n`,
    ),
    file,
    Buffer.from("\r\n"),
  ];
  for (const [k, v] of Object.entries(extra)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe("StrataGRC mock", () => {
  let p: Strata;
  beforeEach(() => {
    p = platform();
  });

  it("ignores paths that are not its own", async () => {
    const res = await p.handle({
      method: "GET",
      rawUrl: "/api/v2/alerts",
      url: new URL("/api/v2/alerts", BASE),
      headers: {},
      body: Buffer.alloc(0),
      loopback: true,
    });
    expect(res).toBeUndefined();
  });

  it("answers auth status with the user and organization", async () => {
    const res = await call(p, "GET", "/strata/api/auth/status");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      success: true,
      data: {
        authenticated: true,
        user: {
          id: 1,
          username: "demo",
          name: "Dana Demo",
          email: "demo@example.com",
          role: "admin",
        },
        organization: { id: demoIdentity.orgId, name: "Demo Organization" },
      },
    });
  });

  it("refuses missing, unknown and expired sessions with AUTH_REQUIRED", async () => {
    for (const [session, message] of [
      [null, "User not authenticated"],
      ["nope", "User not authenticated"],
      [STRATA_EXPIRED_SESSION, "Session expired"],
    ] as const) {
      const res = await call(p, "GET", "/strata/api/risks?action=list", { session });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ success: false, error: { code: "AUTH_REQUIRED", message } });
    }
  });

  it("refuses another organization and a user without one with PERMISSION_DENIED", async () => {
    const other = await call(p, "GET", "/strata/api/dashboard", { org: "someone-else" });
    expect(other.status).toBe(403);
    expect(other.json.error).toEqual({
      code: "PERMISSION_DENIED",
      message: "User is not a member of organization someone-else",
    });
    const same = await call(p, "GET", "/strata/api/dashboard", { org: demoIdentity.orgId });
    expect(same.status).toBe(200);
    const noOrg = await call(p, "GET", "/strata/api/dashboard", { session: STRATA_NO_ORG_SESSION });
    expect(noOrg.status).toBe(403);
  });

  it("filters each list by the seed's parameters", async () => {
    const cases: [string, (r: Record<string, unknown>) => boolean][] = [
      ["/strata/api/risks?action=list&category=Technology", (r) => r.category === "Technology"],
      ["/strata/api/risks?action=list&status=Open", (r) => r.status === "Open"],
      ["/strata/api/controls?action=list&framework_id=2", (r) => r.framework_id === 2],
      ["/strata/api/controls?action=list&status=Draft", (r) => r.status === "Draft"],
      ["/strata/api/engagements?action=list&phase=Fieldwork", (r) => r.phase === "Fieldwork"],
      ["/strata/api/engagements?action=list&status=Active", (r) => r.status === "Active"],
      ["/strata/api/findings?action=list&engagement_id=4", (r) => r.engagement_id === 4],
      ["/strata/api/findings?action=list&status=Approved", (r) => r.status === "Approved"],
      ["/strata/api/findings?action=list&assigned_to=5", (r) => r.assigned_to === 5],
      ["/strata/api/cases?action=list&status=in_progress", (r) => r.status === "in_progress"],
      ["/strata/api/cases?action=list&priority=urgent", (r) => r.priority === "urgent"],
    ];
    for (const [url, predicate] of cases) {
      const all = await call(p, "GET", `${url.split("&")[0]}&per_page=100`);
      const res = await call(p, "GET", `${url}&per_page=100`);
      const rows = res.json.data as Record<string, unknown>[];
      const everything = all.json.data as Record<string, unknown>[];
      expect(res.status, url).toBe(200);
      expect(rows.length, url).toBeGreaterThan(0);
      expect(rows.length, url).toBeLessThan(everything.length);
      expect(rows.every(predicate), url).toBe(true);
      expect(rows.length).toBe(everything.filter(predicate).length);
    }
  });

  it("pages lists with page/per_page", async () => {
    const first = await call(p, "GET", "/strata/api/controls?action=list&per_page=20");
    expect(first.json.pagination).toEqual({ page: 1, per_page: 20, total: 42, total_pages: 3 });
    const last = await call(p, "GET", "/strata/api/controls?action=list&per_page=20&page=3");
    expect((last.json.data as unknown[]).length).toBe(2);
    const bad = await call(p, "GET", "/strata/api/controls?action=list&per_page=1000");
    expect(bad.status).toBe(422);
  });

  it("refuses bad enums and types with VALIDATION_ERROR naming the valid values", async () => {
    const res = await call(p, "GET", "/strata/api/controls?action=list&status=Retired");
    expect(res.status).toBe(422);
    expect(res.json.error).toEqual({
      code: "VALIDATION_ERROR",
      message: "Invalid status 'Retired': must be one of Active, Draft, Archived",
    });
    const type = await call(p, "GET", "/strata/api/findings?action=list&engagement_id=x");
    expect(type.json.error).toEqual({
      code: "VALIDATION_ERROR",
      message: "engagement_id must be an integer",
    });
    const noAction = await call(p, "GET", "/strata/api/risks");
    expect(noAction.status).toBe(422);
  });

  it("creates, updates and deletes a risk", async () => {
    const created = await call(p, "POST", "/strata/api/risks", {
      body: { title: "Token leak", category: "Technology", likelihood: 4, impact: 5 },
    });
    expect(created.status).toBe(200);
    const risk = created.json.data as Record<string, unknown>;
    expect(risk).toMatchObject({ id: 26, title: "Token leak", status: "Open", score: 20 });
    const updated = await call(p, "PUT", "/strata/api/risks?id=26", {
      body: { status: "Mitigating" },
    });
    expect(updated.json.data).toMatchObject({ id: 26, status: "Mitigating" });
    const deleted = await call(p, "DELETE", "/strata/api/risks?id=26");
    expect(deleted.json).toEqual({ success: true, data: { id: 26, deleted: true } });
    const gone = await call(p, "DELETE", "/strata/api/risks?id=26");
    expect(gone.status).toBe(404);
    expect(gone.json.error).toEqual({ code: "NOT_FOUND", message: "Risk 26 not found" });
    expect(p.snapshot().changes).toHaveLength(3);
  });

  it("refuses a create without a required field and an unknown field", async () => {
    const missing = await call(p, "POST", "/strata/api/risks", { body: { title: "x" } });
    expect(missing.json.error).toEqual({
      code: "VALIDATION_ERROR",
      message: "Missing required field: category",
    });
    const unknown = await call(p, "POST", "/strata/api/cases", {
      body: { title: "x", colour: "red" },
    });
    expect(unknown.json.error).toEqual({
      code: "VALIDATION_ERROR",
      message: "Unknown field: colour",
    });
    const enumBad = await call(p, "POST", "/strata/api/cases", {
      body: { title: "x", priority: "asap" },
    });
    expect(enumBad.status).toBe(422);
  });

  it("refuses changes from a read-only session and deleting a locked risk", async () => {
    const ro = await call(p, "POST", "/strata/api/risks", {
      session: STRATA_READ_ONLY_SESSION,
      body: { title: "x", category: "y" },
    });
    expect(ro.status).toBe(403);
    expect(ro.json.error).toEqual({
      code: "PERMISSION_DENIED",
      message: "Role 'viewer' cannot modify records",
    });
    const roRead = await call(p, "GET", "/strata/api/risks?action=list", {
      session: STRATA_READ_ONLY_SESSION,
    });
    expect(roRead.status).toBe(200);
    const locked = await call(p, "DELETE", "/strata/api/risks?id=3");
    expect(locked.status).toBe(403);
    expect(locked.json.error).toEqual({
      code: "PERMISSION_DENIED",
      message: "Risk 3 is locked and cannot be deleted",
    });
  });

  it("answers SERVER_ERROR for record id 500", async () => {
    const res = await call(p, "GET", "/strata/api/kpis?action=history&id=500");
    expect(res.status).toBe(500);
    expect(res.json.error).toEqual({ code: "SERVER_ERROR", message: "Internal server error" });
  });

  it("runs the module actions", async () => {
    const eff = await call(p, "PUT", "/strata/api/controls?action=effectiveness&id=1", {
      body: { effectiveness: "Ineffective" },
    });
    expect(eff.json.data).toMatchObject({
      id: 1,
      effectiveness: "Ineffective",
      last_tested_at: "2026-11-23",
    });
    const phase = await call(p, "PUT", "/strata/api/engagements?action=phase&id=1", {
      body: { phase: "Review" },
    });
    expect(phase.json.data).toMatchObject({ id: 1, phase: "Review" });
    const badPhase = await call(p, "PUT", "/strata/api/engagements?action=phase&id=1", {
      body: { phase: "Done" },
    });
    expect(badPhase.status).toBe(422);
    const status = await call(p, "PUT", "/strata/api/findings?action=status&id=2", {
      body: { status: "Closed" },
    });
    expect(status.json.data).toMatchObject({ id: 2, status: "Closed" });
    const respond = await call(p, "POST", "/strata/api/findings?action=respond&id=2", {
      body: { management_response: "We agree", target_date: "2026-12-31" },
    });
    expect((respond.json.data as Record<string, unknown>).management_response).toEqual({
      response: "We agree",
      action_plan: null,
      target_date: "2026-12-31",
      submitted_by: 1,
      submitted_at: "2026-11-23T10:00:00Z",
    });
    const get = await call(p, "GET", "/strata/api/controls?action=get&id=1");
    expect(get.json.data).toMatchObject({ id: 1, effectiveness: "Ineffective" });
  });

  it("keeps KPI history and takes submissions", async () => {
    const before = await call(p, "GET", "/strata/api/kpis?action=history&id=1");
    expect((before.json.data as unknown[]).length).toBe(10);
    const sub = await call(p, "POST", "/strata/api/kpis?action=submit&id=1", {
      body: { value: 97.5, period: "2026-11" },
    });
    expect(sub.json.data).toEqual({
      kpi_id: 1,
      period: "2026-11",
      value: 97.5,
      submitted_by: 1,
      submitted_at: "2026-11-23T10:00:00Z",
    });
    const again = await call(p, "POST", "/strata/api/kpis?action=submit&id=1", {
      body: { value: 98 },
    });
    expect(again.json.data).toMatchObject({ period: "2026-11", value: 98 });
    const after = await call(p, "GET", "/strata/api/kpis?action=history&id=1");
    expect((after.json.data as unknown[]).length).toBe(11);
    const list = await call(p, "GET", "/strata/api/kpis?action=list");
    expect((list.json.data as Record<string, unknown>[])[0]).toMatchObject({
      id: 1,
      current_value: 98,
    });
    const bad = await call(p, "POST", "/strata/api/kpis?action=submit&id=1", {
      body: { value: "high" },
    });
    expect(bad.status).toBe(422);
  });

  it("serves dashboard counts and the three charts", async () => {
    const dash = await call(p, "GET", "/strata/api/dashboard");
    expect(dash.json.data).toMatchObject({ total_risks: 25, kpis: 8, vendors: 12 });
    const chart = await call(p, "GET", "/strata/api/dashboard/chart?chart_type=audit_phases");
    expect(chart.json.data).toEqual({
      chart_type: "audit_phases",
      labels: ["Planning", "Fieldwork", "Review", "Reporting", "Completed"],
      values: [2, 2, 2, 1, 1],
    });
    for (const t of ["findings_by_risk", "vendors_by_risk"]) {
      const res = await call(p, "GET", `/strata/api/dashboard/chart?chart_type=${t}`);
      const values = (res.json.data as { values: number[] }).values;
      expect(values.reduce((a, b) => a + b, 0)).toBe(t === "findings_by_risk" ? 30 : 12);
    }
    const bad = await call(p, "GET", "/strata/api/dashboard/chart?chart_type=pie");
    expect(bad.status).toBe(422);
  });

  it("stores case evidence with its SHA-256 and refuses a mismatching hash", async () => {
    const content = Buffer.from("line one\r\n--not a boundary\r\nline three\n");
    const sha = createHash("sha256").update(content).digest("hex");
    const body = multipart(content, "notes.txt", { sha256: sha });
    const res = await call(p, "POST", "/strata/api/cases/evidence?case_id=2", body);
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({
      id: 1,
      case_id: 2,
      filename: "notes.txt",
      size: content.length,
      sha256: sha,
      created: true,
    });
    const again = await call(p, "POST", "/strata/api/cases/evidence?case_id=2", body);
    expect(again.json.data).toMatchObject({ id: 1, created: false });
    const wrong = multipart(content, "notes.txt", { sha256: "0".repeat(64) });
    const mismatch = await call(p, "POST", "/strata/api/cases/evidence?case_id=2", wrong);
    expect(mismatch.status).toBe(422);
    const missingCase = await call(p, "POST", "/strata/api/cases/evidence?case_id=99", body);
    expect(missingCase.status).toBe(404);
    const snap = p.snapshot();
    expect(snap.evidence).toHaveLength(1);
    expect(snap.evidence[0]).toMatchObject({ case_id: 2, sha256: sha, size: content.length });
    p.reset();
    expect(p.snapshot().evidence).toHaveLength(0);
  });

  it("accepts the delete id in a JSON body, as the seed shows one", async () => {
    const res = await call(p, "DELETE", "/strata/api/findings", { body: { id: 4 } });
    expect(res.json).toEqual({ success: true, data: { id: 4, deleted: true } });
    const gone = await call(p, "GET", "/strata/api/findings?action=get&id=4");
    expect(gone.status).toBe(404);
  });

  it("reads fixtures from --data DIR/strata when present", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grc-strata-data-"));
    mkdirSync(join(dir, "strata"));
    cpSync(new URL("../../../fixtures/strata", import.meta.url), join(dir, "strata"), {
      recursive: true,
    });
    writeFileSync(
      join(dir, "strata", "risks.json"),
      JSON.stringify([{ id: 1, title: "Only risk", category: "X", status: "Open" }]),
    );
    const custom = createStrataPlatform({
      identity: demoIdentity,
      options: { dataDir: dir },
      now: () => clock,
      baseUrl: () => BASE,
      storageUrl: () => "",
    });
    const res = await call(custom, "GET", "/strata/api/risks?action=list");
    expect(res.json.data).toEqual([{ id: 1, title: "Only risk", category: "X", status: "Open" }]);
    const fallback = createStrataPlatform({
      identity: demoIdentity,
      options: { dataDir: tmpdir() },
      now: () => clock,
      baseUrl: () => BASE,
      storageUrl: () => "",
    });
    expect(
      (await call(fallback, "GET", "/strata/api/risks?action=list")).json.pagination,
    ).toMatchObject({ total: 25 });
  });
});
