import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  STRATA_EXPIRED_SESSION,
  STRATA_READ_ONLY_SESSION,
  type StrataSnapshot,
} from "../../../../src/mock/strata.js";
import { runInProcess, tempConfigDir } from "../../../helpers/cli.js";
import { withMock } from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["strata"] });

function env(session = mock.identity.session): NodeJS.ProcessEnv {
  return {
    GRC_BASE_URL: mock.baseUrl,
    GRC_ORG_ID: mock.identity.orgId,
    GRC_SESSION: session,
  };
}

function grc(argv: string[], opts: { session?: string; tty?: boolean; stdin?: string } = {}) {
  return runInProcess(argv, {
    env: env(opts.session),
    ...(opts.tty ? { tty: true } : {}),
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
}

function strataRequests() {
  return mock.state().requests.filter((r) => r.path.startsWith("/strata/"));
}

function snapshot(): StrataSnapshot {
  return mock.state().strata as StrataSnapshot;
}

function tsvRows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t"));
}

beforeEach(async () => {
  await mock.reset();
});

describe("grc strata status", () => {
  it("says who is logged in and for which organization", async () => {
    const res = await grc(["strata", "status"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      `Logged in to StrataGRC at ${mock.baseUrl} as demo (Dana Demo <demo@example.com>), role admin\n` +
        `Organization: Demo Organization (${mock.identity.orgId})\n`,
    );
    const last = strataRequests().at(-1)!;
    expect(last).toMatchObject({
      method: "GET",
      path: "/strata/api/auth/status",
      cookie: true,
      authorization: false,
    });
  });

  it("prints the server's answer with --json", async () => {
    const res = await grc(["strata", "status", "--json"]);
    expect(JSON.parse(res.stdout)).toEqual({
      base_url: mock.baseUrl,
      authenticated: true,
      user: {
        id: 1,
        username: "demo",
        name: "Dana Demo",
        email: "demo@example.com",
        role: "admin",
      },
      organization: { id: mock.identity.orgId, name: "Demo Organization" },
    });
  });

  it("gives one line and exit 3 for an expired session, on every command", async () => {
    for (const argv of [
      ["strata", "status"],
      ["strata", "risks", "list"],
    ]) {
      const res = await grc(argv, { session: STRATA_EXPIRED_SESSION });
      expect(res.code).toBe(3);
      expect(res.stdout).toBe("");
      expect(res.stderr).toBe(
        "grc: session expired: log in to the StrataGRC web app and run `grc auth login --platform strata --session-stdin` again\n",
      );
    }
  });

  it("refuses an unknown session with AUTH_REQUIRED and the seed's fix (exit 3)", async () => {
    const res = await grc(["strata", "status"], { session: "not-a-session" });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^grc: User not authenticated .*— Log in to the application\n$/);
  });

  it("refuses a profile without a session before sending anything", async () => {
    const before = strataRequests().length;
    const res = await runInProcess(["strata", "status"], {
      env: {
        GRC_BASE_URL: mock.baseUrl,
        GRC_API_KEY: mock.identity.apiKey,
        GRC_CONFIG_DIR: tempConfigDir(),
      },
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toBe(
      'grc: profile "default" has no StrataGRC session — run `grc auth login --platform strata --session-stdin` or set GRC_SESSION\n',
    );
    expect(strataRequests().length).toBe(before);
  });

  it("refuses another organization with PERMISSION_DENIED (exit 3)", async () => {
    const res = await runInProcess(["strata", "dashboard"], {
      env: { ...env(), GRC_ORG_ID: "11111111-1111-1111-1111-111111111111" },
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(
      /^grc: User is not a member of organization 11111111-1111-1111-1111-111111111111 .*— Request required permissions from admin\n$/,
    );
  });
});

describe("list filters", () => {
  const cases: [string[], string, (row: Record<string, unknown>) => boolean][] = [
    [
      ["risks", "--category", "Technology"],
      "category=Technology",
      (r) => r.category === "Technology",
    ],
    [["risks", "--status", "Open"], "status=Open", (r) => r.status === "Open"],
    [["controls", "--framework-id", "2"], "framework_id=2", (r) => r.framework_id === 2],
    [["controls", "--status", "Draft"], "status=Draft", (r) => r.status === "Draft"],
    [["engagements", "--phase", "Fieldwork"], "phase=Fieldwork", (r) => r.phase === "Fieldwork"],
    [["engagements", "--status", "Active"], "status=Active", (r) => r.status === "Active"],
    [["findings", "--engagement-id", "4"], "engagement_id=4", (r) => r.engagement_id === 4],
    [["findings", "--status", "Approved"], "status=Approved", (r) => r.status === "Approved"],
    [["findings", "--assigned-to", "5"], "assigned_to=5", (r) => r.assigned_to === 5],
    [["cases", "--status", "in_progress"], "status=in_progress", (r) => r.status === "in_progress"],
    [["cases", "--priority", "urgent"], "priority=urgent", (r) => r.priority === "urgent"],
  ];
  it.each(cases)(
    "strata %j sends %s and shows only matching records",
    async (args, query, match) => {
      const [noun, ...filter] = args;
      const res = await grc(["strata", noun!, "list", ...filter, "--all", "--json"]);
      expect(res.code).toBe(0);
      const rows = JSON.parse(res.stdout) as Record<string, unknown>[];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every(match)).toBe(true);
      const everything = JSON.parse(
        (await grc(["strata", noun!, "list", "--all", "--json"])).stdout,
      ) as Record<string, unknown>[];
      expect(rows.length).toBe(everything.filter(match).length);
      expect(rows.length).toBeLessThan(everything.length);
      const sent = strataRequests().find((r) => r.query.includes(query));
      expect(sent?.query).toBe(`action=list&${query}&page=1`);
    },
  );
});

describe("enum and type checks before sending", () => {
  const cases: [string[], string][] = [
    [
      ["controls", "list", "--status", "Retired"],
      'grc: invalid --status "Retired" — use one of: Active, Draft, Archived\n',
    ],
    [
      ["engagements", "list", "--phase", "Done"],
      'grc: invalid --phase "Done" — use one of: Planning, Fieldwork, Review, Reporting, Completed\n',
    ],
    [
      ["findings", "list", "--status", "Pending"],
      'grc: invalid --status "Pending" — use one of: Open, Approved, Closed\n',
    ],
    [
      ["cases", "list", "--status", "closed"],
      'grc: invalid --status "closed" — use one of: new, assigned, in_progress, review, completed\n',
    ],
    [
      ["cases", "list", "--priority", "critical"],
      'grc: invalid --priority "critical" — use one of: low, medium, high, urgent\n',
    ],
    [
      ["controls", "list", "--framework-id", "soc2"],
      'grc: --framework-id must be a whole number, got "soc2"\n',
    ],
    [
      ["findings", "list", "--assigned-to", "1.5"],
      'grc: --assigned-to must be a whole number, got "1.5"\n',
    ],
    [
      ["chart", "pie"],
      'grc: invalid chart type "pie" — use one of: findings_by_risk, audit_phases, vendors_by_risk\n',
    ],
    [
      ["engagements", "phase", "1", "Done"],
      'grc: invalid phase "Done" — use one of: Planning, Fieldwork, Review, Reporting, Completed\n',
    ],
    [
      ["findings", "status", "1", "Pending"],
      'grc: invalid status "Pending" — use one of: Open, Approved, Closed\n',
    ],
    [
      ["controls", "effectiveness", "1", "Great"],
      'grc: invalid effectiveness "Great" — use one of: Effective, Partially Effective, Ineffective, Not Tested\n',
    ],
    [
      ["cases", "create", "--field", "title=x", "--field", "priority=asap"],
      'grc: invalid field priority "asap" — use one of: low, medium, high, urgent\n',
    ],
    [
      ["risks", "create", "--field", "title=x"],
      "grc: missing required field for a risk: category — pass --field key=value or --data @file.json\n",
    ],
    [
      ["risks", "update", "2", "--field", "colour=red"],
      'grc: unknown field "colour" for a risk — use one of: title, description, category, status, likelihood, impact, owner_id\n',
    ],
    [
      ["risks", "update", "2", "--field", "likelihood=high"],
      'grc: field likelihood must be a whole number, got "high"\n',
    ],
    [
      ["risks", "update", "2"],
      "grc: nothing to send for a risk — pass --field key=value or --data @file.json\n",
    ],
    [["risks", "delete", "abc"], 'grc: risk id must be a positive whole number, got "abc"\n'],
    [["kpis", "submit", "1", "lots"], 'grc: KPI value must be a number, got "lots"\n'],
    [
      ["kpis", "submit", "1", "5", "--period", "November"],
      'grc: --period "November" is not a period — use YYYY-MM (2026-11) or YYYY-Qn (2026-Q4)\n',
    ],
    [
      ["findings", "respond", "3"],
      'grc: missing the management response — pass --response "..." (or --field management_response=...)\n',
    ],
  ];
  it.each(cases)("grc strata %j exits 2 without a request", async (args, stderr) => {
    const before = strataRequests().length;
    const res = await grc(["strata", ...args]);
    expect(res.stderr).toBe(stderr);
    expect(res.code).toBe(2);
    expect(strataRequests().length).toBe(before);
  });
});

describe("paging and output", () => {
  it("shows one page and says how to get the rest", async () => {
    const res = await grc(["strata", "controls", "list"]);
    expect(res.code).toBe(0);
    expect(tsvRows(res.stdout)).toHaveLength(25);
    expect(res.stderr).toBe(
      "showing 25 of 42 controls (page 1 of 2); pass --all for every page or --page 2 for the next\n",
    );
    const page = await grc(["strata", "controls", "list", "--page", "3", "--per-page", "20"]);
    expect(tsvRows(page.stdout).map((r) => r[0])).toEqual(["41", "42"]);
    expect(page.stderr).toBe("");
  });

  it("walks every page with --all", async () => {
    const res = await grc([
      "strata",
      "controls",
      "list",
      "--all",
      "--per-page",
      "10",
      "--output",
      "ndjson",
    ]);
    const lines = res.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(42);
    expect(JSON.parse(lines[41]!)).toMatchObject({ id: 42 });
    const pages = strataRequests().filter((r) => r.path === "/strata/api/controls");
    expect(pages.map((r) => r.query)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `action=list&page=${n}&per_page=10`),
    );
  });

  it("prints a table on a TTY and CSV on request", async () => {
    const tty = await grc(["strata", "risks", "list", "--category", "Financial"], { tty: true });
    expect(tty.stdout.split("\n")[0]).toMatch(/^ID\s+TITLE\s+CATEGORY\s+STATUS\s+SCORE\s+OWNER$/);
    expect(tty.stdout.trimEnd().split("\n")).toHaveLength(5);
    const csv = await grc([
      "strata",
      "risks",
      "list",
      "--category",
      "Financial",
      "--output",
      "csv",
    ]);
    const lines = csv.stdout.split("\r\n");
    expect(lines[0]).toBe("id,title,category,status,score,owner");
    expect(lines[1]).toMatch(/^\d+,Currency exposure,Financial,/);
  });

  it("shows dashboard counts and chart rows", async () => {
    const dash = await grc(["strata", "dashboard"]);
    expect(tsvRows(dash.stdout)).toContainEqual(["total_risks", "25"]);
    const chart = await grc(["strata", "chart", "audit_phases"]);
    expect(chart.stdout).toBe("Planning\t2\nFieldwork\t2\nReview\t2\nReporting\t1\nCompleted\t1\n");
    const json = await grc(["strata", "chart", "vendors_by_risk", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      chart_type: "vendors_by_risk",
      labels: ["Low", "Medium", "High", "Critical"],
    });
  });
});

describe("create, update, delete and actions", () => {
  it("round-trips a risk", async () => {
    const created = await grc([
      "strata",
      "risks",
      "create",
      "--field",
      "title=Token leak",
      "--field",
      "category=Technology",
      "-f",
      "likelihood=4",
      "-f",
      "impact=5",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const risk = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(risk).toMatchObject({
      id: 26,
      title: "Token leak",
      category: "Technology",
      likelihood: 4,
      impact: 5,
      score: 20,
    });
    const update = await grc(["strata", "risks", "update", "26", "--field", "status=Mitigating"]);
    expect(update.code).toBe(0);
    expect(tsvRows(update.stdout)).toContainEqual(["status", "Mitigating"]);
    const listed = await grc([
      "strata",
      "risks",
      "list",
      "--status",
      "Mitigating",
      "--json",
      "--all",
    ]);
    expect((JSON.parse(listed.stdout) as { id: number }[]).map((r) => r.id)).toContain(26);
    const del = await grc(["strata", "risks", "delete", "26"]);
    expect(del).toMatchObject({ code: 0, stdout: "deleted risk 26\n" });
    const again = await grc(["strata", "risks", "delete", "26"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^grc: Risk 26 not found .*— Check the resource ID\n$/);
    expect(snapshot().changes.map((c) => `${c.method} ${c.module} ${c.id} ${c.action}`)).toEqual([
      "POST risks 26 create",
      "PUT risks 26 update",
      "DELETE risks 26 delete",
    ]);
    const bodies = strataRequests().filter((r) => r.method !== "GET");
    expect(bodies[0]).toMatchObject({
      method: "POST",
      path: "/strata/api/risks",
      query: "",
      content_type: "application/json",
    });
    expect(bodies[1]).toMatchObject({ method: "PUT", query: "id=26" });
  });

  it("creates from --data @file with --field winning", async () => {
    const dir = tempConfigDir();
    const file = join(dir, "case.json");
    writeFileSync(file, JSON.stringify({ title: "Lost badge", priority: "low", assigned_to: 6 }));
    const res = await grc([
      "strata",
      "cases",
      "create",
      "--data",
      `@${file}`,
      "--field",
      "priority=urgent",
      "--json",
    ]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      id: 13,
      title: "Lost badge",
      priority: "urgent",
      assigned_to: 6,
      status: "new",
      case_number: expect.stringMatching(/^IMS-\d{4}-0013$/),
    });
    const stdin = await grc(["strata", "engagements", "create", "--data", "@-", "--json"], {
      stdin: '{"title": "FY27 SOC 2", "phase": "Planning"}',
    });
    expect(JSON.parse(stdin.stdout)).toMatchObject({
      id: 9,
      title: "FY27 SOC 2",
      phase: "Planning",
    });
    const bad = await grc(["strata", "cases", "create", "--data", "{nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^grc: --data is not valid JSON: .* — --data takes a JSON object, @file.json or @- \(stdin\)\n$/,
    );
  });

  it("creates controls and findings; the server's own checks map to exit codes", async () => {
    const control = await grc([
      "strata",
      "controls",
      "create",
      "-f",
      "code=CC9.9",
      "-f",
      "title=Key rotation",
      "-f",
      "framework_id=1",
      "--json",
    ]);
    expect(JSON.parse(control.stdout)).toMatchObject({
      id: 43,
      code: "CC9.9",
      framework: "SOC 2",
      status: "Draft",
    });
    const badFw = await grc([
      "strata",
      "controls",
      "create",
      "-f",
      "code=X",
      "-f",
      "title=Y",
      "-f",
      "framework_id=99",
    ]);
    expect(badFw.code).toBe(2);
    expect(badFw.stderr).toMatch(/^grc: Unknown framework_id: 99 .*— Review request parameters\n$/);
    const finding = await grc([
      "strata",
      "findings",
      "create",
      "-f",
      "engagement_id=2",
      "-f",
      "title=MFA gaps",
      "-f",
      "risk_rating=High",
      "--json",
    ]);
    expect(JSON.parse(finding.stdout)).toMatchObject({
      id: 31,
      engagement_id: 2,
      status: "Open",
      risk_rating: "High",
    });
    const noEngagement = await grc([
      "strata",
      "findings",
      "create",
      "-f",
      "engagement_id=99",
      "-f",
      "title=x",
    ]);
    expect(noEngagement.code).toBe(2);
    expect(noEngagement.stderr).toMatch(/^grc: Engagement 99 not found/);
  });

  it("runs get, effectiveness, phase, finding status and respond", async () => {
    const eff = await grc([
      "strata",
      "controls",
      "effectiveness",
      "4",
      "Partially Effective",
      "--json",
    ]);
    expect(JSON.parse(eff.stdout)).toMatchObject({ id: 4, effectiveness: "Partially Effective" });
    const get = await grc(["strata", "controls", "get", "4"]);
    expect(tsvRows(get.stdout)).toContainEqual(["effectiveness", "Partially Effective"]);
    const phase = await grc(["strata", "engagements", "phase", "3", "Reporting", "--json"]);
    expect(JSON.parse(phase.stdout)).toMatchObject({ id: 3, phase: "Reporting" });
    const eng = await grc(["strata", "engagements", "get", "3", "--json"]);
    expect(JSON.parse(eng.stdout)).toMatchObject({ id: 3, phase: "Reporting" });
    const status = await grc(["strata", "findings", "status", "1", "Approved", "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: 1, status: "Approved" });
    const respond = await grc([
      "strata",
      "findings",
      "respond",
      "1",
      "--response",
      "Agreed; MFA by Q1",
      "--field",
      "target_date=2027-03-31",
      "--json",
    ]);
    expect(JSON.parse(respond.stdout).management_response).toMatchObject({
      response: "Agreed; MFA by Q1",
      action_plan: null,
      target_date: "2027-03-31",
      submitted_by: 1,
    });
    const sent = strataRequests().filter((r) => r.method !== "GET");
    expect(sent.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([
      "PUT /strata/api/controls?action=effectiveness&id=4",
      "PUT /strata/api/engagements?action=phase&id=3",
      "PUT /strata/api/findings?action=status&id=1",
      "POST /strata/api/findings?action=respond&id=1",
    ]);
  });

  it("lists KPIs, shows history and submits a value", async () => {
    const list = await grc(["strata", "kpis", "list"]);
    expect(tsvRows(list.stdout)).toHaveLength(8);
    const submit = await grc([
      "strata",
      "kpis",
      "submit",
      "2",
      "4.5",
      "--period",
      "2026-11",
      "--json",
    ]);
    expect(JSON.parse(submit.stdout)).toMatchObject({
      kpi_id: 2,
      period: "2026-11",
      value: 4.5,
      submitted_by: 1,
    });
    const history = await grc(["strata", "kpis", "history", "2"]);
    const rows = tsvRows(history.stdout);
    expect(rows).toHaveLength(11);
    expect(rows.at(-1)!.slice(0, 3)).toEqual(["2026-11", "4.5", "1"]);
    const kpi = JSON.parse((await grc(["strata", "kpis", "list", "--json"])).stdout)[1];
    expect(kpi).toMatchObject({ id: 2, current_value: 4.5 });
  });
});

describe("seed error codes", () => {
  it("PERMISSION_DENIED for a read-only session and a locked risk (exit 3)", async () => {
    const ro = await grc(["strata", "risks", "update", "2", "-f", "status=Closed"], {
      session: STRATA_READ_ONLY_SESSION,
    });
    expect(ro.code).toBe(3);
    expect(ro.stderr).toMatch(
      /^grc: Role 'viewer' cannot modify records .*— Request required permissions from admin\n$/,
    );
    const locked = await grc(["strata", "risks", "delete", "3"]);
    expect(locked.code).toBe(3);
    expect(locked.stderr).toMatch(
      /^grc: Risk 3 is locked and cannot be deleted .*— Request required permissions from admin\n$/,
    );
    expect(snapshot().changes).toEqual([]);
  });

  it("NOT_FOUND (exit 2)", async () => {
    const res = await grc(["strata", "engagements", "get", "77"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^grc: Engagement 77 not found .*— Check the resource ID\n$/);
  });

  it("VALIDATION_ERROR from the server (exit 2)", async () => {
    const res = await grc(["strata", "controls", "list", "--per-page", "100", "--page", "1"]);
    expect(res.code).toBe(0);
    const bad = await grc([
      "strata",
      "controls",
      "create",
      "-f",
      "code=X",
      "-f",
      "title=Y",
      "-f",
      "framework_id=42",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/VALIDATION_ERROR/);
  });

  it("SERVER_ERROR (exit 4)", async () => {
    const res = await grc(["strata", "kpis", "history", "500", "--retries", "1"]);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/^grc: Internal server error .*— Contact support if persists\n$/);
  });
});
