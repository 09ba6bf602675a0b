import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { STRATA_EXPIRED_SESSION, STRATA_READ_ONLY_SESSION } from "../../src/mock/strata.js";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

describe.each(DIALECTS)("%s dialect", (dialect) => {
  // The built CLI (bin/grc.js -> dist/) against the in-process mock, with a stored session profile.
  const mock = withMock({ dialect, platforms: ["strata"] });
  let config: string;

  function grc(argv: string[], env: NodeJS.ProcessEnv = {}) {
    return runGrc(argv, { env: { GRC_CONFIG_DIR: config, ...env } });
  }

  async function mockState(): Promise<{
    requests: { path: string; query: string; method: string; cookie: boolean }[];
    strata: { evidence: { case_id: number; filename: string; sha256: string; size: number }[] };
  }> {
    const res = await fetch(`${mock.baseUrl}/__mock/state`);
    return (await res.json()) as never;
  }

  beforeAll(async () => {
    config = tempConfigDir();
    const login = await runGrc(
      [
        "auth",
        "login",
        "--platform",
        "strata",
        "--base-url",
        mock.baseUrl,
        "--org",
        mock.identity.orgId,
        "--session-stdin",
      ],
      { env: { GRC_CONFIG_DIR: config }, stdin: `${mock.identity.session}\n` },
    );
    expect(login.code, login.stderr).toBe(0);
  });

  describe("grc strata end to end (session profile)", () => {
    it("status says who is logged in; GRC_SESSION overrides; an expired session exits 3", async () => {
      const ok = await grc(["strata", "status"]);
      expect(ok).toEqual({
        code: 0,
        stdout: `Logged in to StrataGRC at ${mock.baseUrl} as demo (Dana Demo <demo@example.com>), role admin\nOrganization: Demo Organization (${mock.identity.orgId})\n`,
        stderr: "",
      });
      const viewer = await grc(["strata", "status"], { GRC_SESSION: STRATA_READ_ONLY_SESSION });
      expect(viewer.stdout).toContain(
        "as auditor (Avery Auditor <auditor@example.com>), role viewer",
      );
      const expired = await grc(["strata", "status"], { GRC_SESSION: STRATA_EXPIRED_SESSION });
      expect(expired).toEqual({
        code: 3,
        stdout: "",
        stderr:
          "grc: session expired: log in to the StrataGRC web app and run `grc auth login --platform strata --session-stdin` again\n",
      });
      const state = await mockState();
      const calls = state.requests.filter((r) => r.path === "/strata/api/auth/status");
      expect(calls.length).toBeGreaterThanOrEqual(3);
      expect(calls.every((r) => r.cookie)).toBe(true);
    });

    it("lists with filters and refuses a bad enum before sending (exit 2)", async () => {
      const list = await grc(["strata", "cases", "list", "--priority", "urgent", "--json"]);
      expect(list.code).toBe(0);
      const rows = JSON.parse(list.stdout) as { priority: string }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.priority === "urgent")).toBe(true);
      const before = (await mockState()).requests.length;
      const bad = await grc(["strata", "cases", "list", "--priority", "critical"]);
      expect(bad).toEqual({
        code: 2,
        stdout: "",
        stderr: 'grc: invalid --priority "critical" — use one of: low, medium, high, urgent\n',
      });
      expect((await mockState()).requests.length).toBe(before);
    });

    it("creates, updates and deletes a risk; each seed error code has its exit code", async () => {
      const created = await grc([
        "strata",
        "risks",
        "create",
        "-f",
        "title=Token leak",
        "-f",
        "category=Technology",
        "--json",
      ]);
      expect(created.code, created.stderr).toBe(0);
      const id = (JSON.parse(created.stdout) as { id: number }).id;
      const updated = await grc([
        "strata",
        "risks",
        "update",
        String(id),
        "-f",
        "status=Accepted",
        "--json",
      ]);
      expect(JSON.parse(updated.stdout)).toMatchObject({ id, status: "Accepted" });
      expect(await grc(["strata", "risks", "delete", String(id)])).toEqual({
        code: 0,
        stdout: `deleted risk ${id}\n`,
        stderr: "",
      });
      const notFound = await grc(["strata", "risks", "delete", String(id)]);
      expect(notFound.code).toBe(2);
      expect(notFound.stderr).toMatch(/^grc: Risk \d+ not found .*— Check the resource ID\n$/);
      const locked = await grc(["strata", "risks", "delete", "3"]);
      expect(locked.code).toBe(3);
      expect(locked.stderr).toMatch(/— Request required permissions from admin\n$/);
      const readOnly = await grc(["strata", "cases", "create", "-f", "title=x"], {
        GRC_SESSION: STRATA_READ_ONLY_SESSION,
      });
      expect(readOnly.code).toBe(3);
      const invalid = await grc([
        "strata",
        "controls",
        "create",
        "-f",
        "code=X",
        "-f",
        "title=Y",
        "-f",
        "framework_id=77",
      ]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/— Review request parameters\n$/);
      const server = await grc(["strata", "engagements", "get", "500", "--retries", "1"]);
      expect(server.code).toBe(4);
      expect(server.stderr).toMatch(
        /^grc: Internal server error .*— Contact support if persists\n$/,
      );
      const noAuth = await grc(["strata", "dashboard"], { GRC_SESSION: "forged" });
      expect(noAuth.code).toBe(3);
      expect(noAuth.stderr).toMatch(/— Log in to the application\n$/);
    });

    it("runs the dashboard, charts and the module actions", async () => {
      const dash = await grc(["strata", "dashboard", "--json"]);
      expect(JSON.parse(dash.stdout)).toMatchObject({ kpis: 8, vendors: 12 });
      const chart = await grc(["strata", "chart", "findings_by_risk"]);
      expect(chart.stdout.split("\n")[0]).toMatch(/^Low\t\d+$/);
      const eff = await grc(["strata", "controls", "effectiveness", "5", "Effective", "--json"]);
      expect(JSON.parse(eff.stdout)).toMatchObject({ id: 5, effectiveness: "Effective" });
      const phase = await grc(["strata", "engagements", "phase", "2", "Completed", "--json"]);
      expect(JSON.parse(phase.stdout)).toMatchObject({ id: 2, phase: "Completed" });
      const finding = await grc([
        "strata",
        "findings",
        "create",
        "-f",
        "engagement_id=2",
        "-f",
        "title=Gap",
        "--json",
      ]);
      const fid = (JSON.parse(finding.stdout) as { id: number }).id;
      expect((await grc(["strata", "findings", "status", String(fid), "Approved"])).code).toBe(0);
      const respond = await grc([
        "strata",
        "findings",
        "respond",
        String(fid),
        "--response",
        "Fixed",
        "--json",
      ]);
      expect(JSON.parse(respond.stdout)).toMatchObject({
        id: fid,
        status: "Approved",
        management_response: { response: "Fixed" },
      });
      const submit = await grc([
        "strata",
        "kpis",
        "submit",
        "3",
        "2",
        "--period",
        "2026-Q4",
        "--json",
      ]);
      expect(JSON.parse(submit.stdout)).toMatchObject({ kpi_id: 3, period: "2026-Q4", value: 2 });
      const history = await grc(["strata", "kpis", "history", "3", "--output", "ndjson"]);
      expect(JSON.parse(history.stdout.trimEnd().split("\n").at(-1)!)).toMatchObject({
        period: "2026-Q4",
        value: 2,
      });
    });

    it("uploads case evidence that the mock verifies by SHA-256", async () => {
      const dir = mkdtempSync(join(tmpdir(), "grc-strata-e2e-"));
      const a = Buffer.from("chat export\n");
      const b = Buffer.alloc(1_500_000, 0x5a);
      writeFileSync(join(dir, "chat.txt"), a);
      writeFileSync(join(dir, "disk.img"), b);
      const res = await grc([
        "strata",
        "cases",
        "evidence",
        "upload",
        "6",
        dir,
        "--concurrency",
        "2",
        "--output",
        "ndjson",
      ]);
      expect(res.code, res.stderr).toBe(0);
      // One totals line (the rows are on stdout: -o ndjson).
      expect(res.stderr).toMatch(/^2 files to case 6: 2 uploaded · \S+ \S+ in \S+.*\n$/);
      const sha = (x: Buffer) => createHash("sha256").update(x).digest("hex");
      const stored = (await mockState()).strata.evidence.filter((e) => e.case_id === 6);
      expect(stored.map((e) => [e.filename, e.size, e.sha256]).sort()).toEqual(
        [
          ["chat.txt", a.length, sha(a)],
          ["disk.img", b.length, sha(b)],
        ].sort(),
      );
      const lines = res.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as { sha256: string; status: string });
      expect(lines.map((l) => l.sha256).sort()).toEqual([sha(a), sha(b)].sort());
    });

    it("runs the remaining list, get and create verbs", async () => {
      const [controls, control, engagements, engagement, findings, kpis] = await Promise.all([
        grc(["strata", "controls", "list", "--framework-id", "3", "--status", "Active", "--json"]),
        grc(["strata", "controls", "get", "15", "--json"]),
        grc(["strata", "engagements", "list", "--phase", "Planning", "--all", "--json"]),
        grc(["strata", "engagements", "get", "1", "--json"]),
        grc(["strata", "findings", "list", "--status", "Open", "--assigned-to", "1", "--json"]),
        grc(["strata", "kpis", "list", "--output", "csv"]),
      ]);
      const rows = (r: { stdout: string }) => JSON.parse(r.stdout) as Record<string, unknown>[];
      expect(rows(controls).every((c) => c.framework_id === 3 && c.status === "Active")).toBe(true);
      expect(JSON.parse(control.stdout)).toMatchObject({ id: 15, framework_id: 2 });
      expect(rows(engagements).every((e) => e.phase === "Planning")).toBe(true);
      expect(JSON.parse(engagement.stdout)).toMatchObject({ id: 1 });
      expect(rows(findings).every((f) => f.status === "Open" && f.assigned_to === 1)).toBe(true);
      expect(kpis.stdout.split("\r\n")[0]).toBe("id,name,current,target,unit,frequency");
      const [newControl, newEngagement, newCase] = await Promise.all([
        grc([
          "strata",
          "controls",
          "create",
          "-f",
          "code=PR.9.9",
          "-f",
          "title=Key rotation",
          "-f",
          "framework_id=3",
          "--json",
        ]),
        grc(["strata", "engagements", "create", "-f", "title=FY27 SOC 2", "--json"]),
        grc([
          "strata",
          "cases",
          "create",
          "-f",
          "title=Lost badge",
          "-f",
          "priority=high",
          "--json",
        ]),
      ]);
      expect(JSON.parse(newControl.stdout)).toMatchObject({
        code: "PR.9.9",
        framework: "NIST CSF",
        status: "Draft",
      });
      expect(JSON.parse(newEngagement.stdout)).toMatchObject({
        title: "FY27 SOC 2",
        phase: "Planning",
      });
      expect(JSON.parse(newCase.stdout)).toMatchObject({
        title: "Lost badge",
        priority: "high",
        status: "new",
      });
    });
  });
});
