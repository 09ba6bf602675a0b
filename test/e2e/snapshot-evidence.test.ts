import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * Query snapshots as evidence: `--evidence CONTROL` on the query commands, end to end (built
 * CLI, mock). The records hash is recomputed here from the file's own records with sorted
 * keys, independently of grc's canonical JSON.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

type Lineage = { evidence_id: string; control_id: string; framework_id?: string | null };

describe.each(DIALECTS)("query snapshots as evidence (%s dialect)", (dialect) => {
  const mock = withMock({ dialect });

  it("alerts list --evidence CC7.1 twice: linked once, the second run is recognised as already linked", async () => {
    await mock.reset();
    const config = tempConfigDir();
    const env = { ...mock.env(), GRC_CONFIG_DIR: config };
    const args = [
      "alerts",
      "list",
      "--status",
      "fail",
      "--risk",
      "high",
      "--all",
      "--output",
      "json",
    ];
    const first = await runGrc(
      [
        ...args,
        "--evidence",
        "CC7.1",
        "--framework",
        "SOC2",
        "--receipt",
        join(config, "r.ndjson"),
      ],
      { env },
    );
    expect(first.code, first.stderr).toBe(0);
    const printed = JSON.parse(first.stdout) as { id: string }[];
    expect(printed.length).toBeGreaterThan(0);

    const dir = join(config, "snapshots", "default");
    const name = readdirSync(dir).find((f) => f.endsWith(".json"))!;
    expect(name).toMatch(/^alerts-[0-9a-f]{12}\.json$/);
    const bytes = readFileSync(join(dir, name));
    const doc = JSON.parse(bytes.toString());
    expect(first.stderr).toBe(
      `evidence: snapshot ${join(dir, name)} (${printed.length} record(s), sha256 ${sha(bytes).slice(0, 12)}) linked to CC7.1 SOC2\n`,
    );
    // What the command printed is what the snapshot holds (in id order).
    expect(doc.records.map((r: { id: string }) => r.id)).toEqual(
      printed.map((r) => r.id).sort((a, b) => Number(a) - Number(b)),
    );
    expect(doc).toMatchObject({
      grc_snapshot: 1,
      source: { platform: "jsonapi", base_url: mock.baseUrl, org_id: mock.identity.orgId },
      count: printed.length,
    });
    expect(doc.requests[0]).toEqual({
      method: "GET",
      url: `${mock.baseUrl}/api/v2/alerts?filter[status_eq]=fail&filter[risk_level_eq]=high&page[size]=100`,
    });
    expect(doc.records_sha256).toBe(sha(`${JSON.stringify(sorted(doc.records))}\n`));
    expect(Date.parse(doc.fetched_at)).toBeGreaterThan(Date.now() - 120_000);

    const lineage = mock.state().lineage as Lineage[];
    expect(lineage.map((l) => [l.evidence_id, l.control_id, l.framework_id])).toEqual([
      [sha(bytes), "CC7.1", "SOC2"],
    ]);
    const receipt = readFileSync(join(config, "r.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(receipt[0]).toMatchObject({
      type: "evidence",
      sha256: sha(bytes),
      control_id: "CC7.1",
      framework_id: "SOC2",
    });

    const second = await runGrc([...args, "--evidence", "CC7.1", "--framework", "SOC2"], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain("unchanged, already linked to CC7.1 SOC2");
    // The file is untouched (same bytes, first fetch time kept); nothing was sent again.
    expect(readFileSync(join(dir, name))).toEqual(bytes);
    expect(mock.state().objects).toHaveLength(1);
    expect(mock.state().lineage).toHaveLength(1);
    const fetches = readFileSync(join(dir, name.replace(/\.json$/, ".fetches.ndjson")), "utf8")
      .trim()
      .split("\n");
    expect(fetches.map((l) => JSON.parse(l).changed)).toEqual([true, false]);
  });

  it("grc get ... --evidence snapshots one resource", async () => {
    await mock.reset();
    const config = tempConfigDir();
    const r = await runGrc(
      ["get", "alerts", "4", "--evidence", "CC7.2", "--snapshot-dir", join(config, "s")],
      {
        env: { ...mock.env(), GRC_CONFIG_DIR: config },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const [file] = readdirSync(join(config, "s")).filter((f) => f.endsWith(".json"));
    expect(file).toMatch(/^alerts-4-[0-9a-f]{12}\.json$/);
    const doc = JSON.parse(readFileSync(join(config, "s", file!), "utf8"));
    expect(doc.count).toBe(1);
    expect(doc.records[0]).toMatchObject({ id: "4", type: "alerts" });
    expect(doc.requests).toEqual([{ method: "GET", url: `${mock.baseUrl}/api/v2/alerts/4` }]);
    expect((mock.state().lineage as Lineage[]).map((l) => l.control_id)).toEqual(["CC7.2"]);
  });

  it("strata risks list --evidence goes to another profile with --evidence-profile", async () => {
    await mock.reset();
    const config = tempConfigDir();
    const env = { GRC_CONFIG_DIR: config };
    const login = (args: string[], secret: string) =>
      runGrc(["auth", "login", "--base-url", mock.baseUrl, "--org", mock.identity.orgId, ...args], {
        env,
        stdin: `${secret}\n`,
      });
    expect(
      (
        await login(
          ["--profile", "strata", "--platform", "strata", "--session-stdin"],
          mock.identity.session,
        )
      ).code,
    ).toBe(0);
    expect((await login(["--profile", "sov", "--api-key-stdin"], mock.identity.apiKey)).code).toBe(
      0,
    );

    const args = ["strata", "risks", "list", "--profile", "strata", "--all", "--output", "json"];
    const first = await runGrc([...args, "--evidence", "CC3.2", "--evidence-profile", "sov"], {
      env,
    });
    expect(first.code, first.stderr).toBe(0);
    const printed = JSON.parse(first.stdout) as { id: number }[];
    const dir = join(config, "snapshots", "sov");
    const [file] = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(file).toMatch(/^strata-risks-[0-9a-f]{12}\.json$/);
    const doc = JSON.parse(readFileSync(join(dir, file!), "utf8"));
    expect(doc.source).toMatchObject({ platform: "strata", query: { module: "risks", all: true } });
    expect(doc.count).toBe(printed.length);
    expect(doc.requests[0].url).toMatch(new RegExp(`^${mock.baseUrl}/.*\\?action=list&page=1$`));
    expect((mock.state().lineage as Lineage[]).map((l) => l.control_id)).toEqual(["CC3.2"]);

    const second = await runGrc([...args, "--evidence", "CC3.2", "--evidence-profile", "sov"], {
      env,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("unchanged, already linked to CC3.2");
    expect(mock.state().lineage).toHaveLength(1);
  });

  it("evidence flags without --evidence are refused with one line", async () => {
    const r = await runGrc(["alerts", "list", "--framework", "SOC2"], { env: mock.env() });
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "grc: --framework goes with --evidence — pass --evidence CONTROL to save the result as evidence\n",
    });
  });
});
