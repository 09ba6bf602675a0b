import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../helpers/cli.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";
import {
  linkObject,
  type MockServer,
  mockEnv,
  storeObject,
  withMock,
} from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["sovereign"] });

/** The seed's four steps with plain fetch (no grc code): upload a file and link it. */
async function seed(m: MockServer, name: string, text: string, controls: string[]) {
  const object_key = await storeObject(m, text, {
    filename: name,
    content_type: "text/csv",
    control_id: controls[0]!,
  });
  const sha256 = createHash("sha256").update(text).digest("hex");
  for (const control_id of controls) await linkObject(m, { sha256, object_key, control_id });
  return sha256;
}

const shas: Record<string, string> = {};
beforeAll(async () => {
  shas.a = await seed(mock, "a.csv", "a,1\n", ["CC6.1"]);
  shas.b = await seed(mock, "b.csv", "b,2\n", ["CC6.1", "CC7.2"]);
  shas.c = await seed(mock, "c_logs.csv", "c,3\n", ["CC7.2"]);
});

const evidenceGets = () =>
  mock.state().requests.filter((r) => r.method === "GET" && r.path.includes("/evidence"));

describe("grc evidence list", () => {
  it("prints every evidence as JSON with the controls it is linked to", async () => {
    const r = await runInProcess(["evidence", "list", "--json"], { env: mockEnv(mock) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      id: string;
      filename: string;
      controls: string[];
      size: number;
    }[];
    expect(rows.map((x) => [x.filename, x.controls, x.size]).sort()).toEqual([
      ["a.csv", ["CC6.1"], 4],
      ["b.csv", ["CC6.1", "CC7.2"], 4],
      ["c_logs.csv", ["CC7.2"], 4],
    ]);
    expect(rows.find((x) => x.filename === "b.csv")?.id).toBe(shas.b);
  });

  it("--control keeps evidence linked to that control (NDJSON, one line each)", async () => {
    const r = await runInProcess(["evidence", "list", "--control", "CC7.2", "--output", "ndjson"], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { filename: string }).filename).sort()).toEqual([
      "b.csv",
      "c_logs.csv",
    ]);
  });

  it("pipes get tab-separated rows without a header; a TTY gets a header", async () => {
    const piped = await runInProcess(["evidence", "list", "--filter", "filename_cont=logs"], {
      env: mockEnv(mock),
    });
    expect(piped.code).toBe(0);
    const [line, ...rest] = piped.stdout.split("\n");
    expect(rest).toEqual([""]);
    expect(line?.split("\t").slice(0, 5)).toEqual([shas.c, "c_logs.csv", "4", "text/csv", "CC7.2"]);
    const tty = await runInProcess(["evidence", "list", "--filter", "filename_cont=logs"], {
      env: mockEnv(mock),
      tty: true,
    });
    expect(tty.stdout.split("\n")[0]).toMatch(/^SHA256 +FILENAME +SIZE +TYPE +CONTROLS +CREATED$/);
  });

  it("--all follows pagination links and --limit stops early", async () => {
    const before = evidenceGets().length;
    const all = await runInProcess(["evidence", "list", "--page-size", "1", "--all", "--json"], {
      env: mockEnv(mock),
    });
    expect(JSON.parse(all.stdout)).toHaveLength(3);
    expect(evidenceGets().length - before).toBe(3);
    const limited = await runInProcess(
      ["evidence", "list", "--page-size", "1", "--all", "--limit", "2", "--json"],
      { env: mockEnv(mock) },
    );
    expect(JSON.parse(limited.stdout)).toHaveLength(2);
    expect(evidenceGets().length - before).toBe(5);
    const one = await runInProcess(
      ["evidence", "list", "--page-size", "2", "--page", "2", "--json"],
      {
        env: mockEnv(mock),
      },
    );
    expect(JSON.parse(one.stdout)).toHaveLength(1);
  });

  it("prints [] for no match", async () => {
    const r = await runInProcess(["evidence", "list", "--control", "NOPE", "--json"], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("[]\n");
  });

  it.each([
    [["--page-size", "101"], "grc: --page-size must be between 1 and 100, got 101"],
    [["--filter", "filename_zz=1"], 'grc: unknown predicate in --filter "filename_zz=1"'],
    [["--page", "0"], 'grc: --page must be a whole number of at least 1, got "0"'],
    [["--page", "2", "--all"], "grc: --page and --all cannot be combined"],
  ])("rejects %j before any request (exit 2)", async (flags, line) => {
    const before = mock.state().requests.length;
    const r = await runInProcess(["evidence", "list", ...flags], { env: mockEnv(mock) });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toContain(line);
    expect(mock.state().requests.length).toBe(before);
  });

  it("reports a filter the server does not know in one line (exit 2)", async () => {
    const r = await runInProcess(["evidence", "list", "--filter", "owner_eq=bob"], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grc: Invalid search term owner_eq .*\n$/);
  });

  it("--sort orders by any attribute", async () => {
    const r = await runInProcess(["evidence", "list", "--sort", "filename:desc", "--json"], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { filename: string }[]).map((x) => x.filename)).toEqual([
      "c_logs.csv",
      "b.csv",
      "a.csv",
    ]);
  });

  it("needs an organization (exit 2) and a member key (exit 3)", async () => {
    const noOrg = await runInProcess(["evidence", "list"], {
      env: { ...mockEnv(mock), GRC_ORG_ID: "" },
    });
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toMatch(
      /^grc: no organization ID configured — pass --org, set GRC_ORG_ID/,
    );
    const stranger = await runInProcess(["evidence", "list"], {
      env: { ...mockEnv(mock), GRC_API_KEY: mock.identity.noOrgApiKey },
    });
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toContain("not a member of this organization");
  });

  it("works with a read-only key", async () => {
    const r = await runInProcess(["evidence", "list", "--json"], {
      env: { ...mockEnv(mock), GRC_API_KEY: mock.identity.readOnlyApiKey },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });
});

describe("grc evidence list --all against a server whose links.next repeats (issue 10, 11)", () => {
  const server = useFakeServer();
  const ORG = "org-1";
  const evidence = (n: number) => ({
    id: String(n).repeat(64).slice(0, 64),
    type: "evidence",
    attributes: { sha256: String(n).repeat(64).slice(0, 64), filename: `${n}.csv`, size: n },
  });

  it("prints each record once and stops with one line, exit 4 (was: the same rows until killed)", async () => {
    const path = `/api/v1/orgs/${ORG}/evidence`;
    server().get(path, () =>
      json(200, {
        data: [evidence(1), evidence(2)],
        links: { next: `${server().url}${path}?page%5Bnumber%5D=2` },
      }),
    );
    const r = await runInProcess(["evidence", "list", "--all", "-o", "ndjson"], {
      env: { GRC_BASE_URL: server().url, GRC_ORG_ID: ORG, GRC_API_KEY: "sk-list-test-0123456789" },
    });
    expect(r.code).toBe(4);
    expect(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).filename),
    ).toEqual(["1.csv", "2.csv"]);
    expect(r.stderr).toMatch(
      /^grc: stopped the walk at page 2: the page repeats resources already printed \(the server's pagination does not end\)/,
    );
    expect(server().requests).toHaveLength(2);
  });

  it("an empty page ends the walk quietly, exit 0, whatever links.next says", async () => {
    const path = `/api/v1/orgs/${ORG}/evidence`;
    server().get(path, (req) =>
      json(200, {
        data: req.query.get("page[number]") ? [] : [evidence(3)],
        links: { next: `${server().url}${path}?page%5Bnumber%5D=2` },
      }),
    );
    const r = await runInProcess(["evidence", "list", "--all", "-o", "ndjson"], {
      env: { GRC_BASE_URL: server().url, GRC_ORG_ID: ORG, GRC_API_KEY: "sk-list-test-0123456789" },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });
});
