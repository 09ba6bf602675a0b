import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { DIALECTS, withMock } from "../helpers/mock.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

/**
 * The alerts table as a person sees it (issue 14): related resources by name, ids aligned
 * like every other table of grc, and a "showing N of M" line when there are more pages; in a
 * real terminal (tmux) at 60 and 160 columns, and over pipes (TTY off).
 */

interface Fixture {
  id: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, string | string[] | null>;
}
const fixtures = (type: string): Fixture[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/evident/${type}.json`, import.meta.url), "utf8"));
const alerts = fixtures("alerts");
const signatures = fixtures("signatures");
const accounts = fixtures("external_accounts");
const regions = fixtures("regions");
const byId = (list: Fixture[], id: unknown) => list.find((r) => r.id === id)!;

/** What the first page's rows should name, from the fixtures the mock serves. */
const expected = alerts.slice(0, 20).map((a) => ({
  id: a.id,
  status: String(a.attributes.status),
  signature: String(byId(signatures, a.relationships.signature).attributes.name),
  account: String(byId(accounts, a.relationships.external_account).attributes.name),
  region: String(byId(regions, a.relationships.region).attributes.code),
  resource: String(a.attributes.resource ?? ""),
}));
const HINT =
  "showing 20 of 500 alerts (page 1 of 25); pass --all for every page or --page 2 for the next";

if (!HAS_TMUX) console.warn(NO_TMUX);

describe.each(DIALECTS)("the alerts table (%s dialect)", (dialect) => {
  const mock = withMock({ dialect, platforms: ["evident"] });
  const env = () => ({
    GRC_BASE_URL: mock.baseUrl,
    GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
    GRC_HMAC_SECRET: mock.identity.hmacSecret,
  });

  describe.runIf(HAS_TMUX)("in a real terminal (tmux)", () => {
    let term: TmuxTerminal | undefined;
    afterEach(() => term?.kill());

    for (const size of SIZES) {
      it(`at ${size.columns} columns: names, right-aligned ids, no wrapped rows, then the hint`, async () => {
        term = new TmuxTerminal(["alerts", "list"], { ...size, env: env() }).start();
        const { code } = await term.exited(20_000);
        expect(code).toBe(0);
        const lines = term.history().trimEnd().split("\n");
        const header = lines.findIndex((l) => l.startsWith("ID  STATUS"));
        expect(header, lines.join("\n")).toBeGreaterThanOrEqual(0);
        const rows = lines.slice(header + 1, header + 21);
        // No row is wider than the terminal (none wraps onto a second line).
        for (const line of lines.slice(header, header + 21)) {
          expect(line.length).toBeLessThanOrEqual(size.columns);
        }
        // Ids right-aligned: "ID" over " 1" ... "20", as in the StrataGRC tables.
        expect(rows.map((r) => r.slice(0, 2))).toEqual(expected.map((e) => e.id.padStart(2)));
        const columns = lines[header]!.split(/\s{2,}/);
        if (size.columns >= 160) {
          expect(columns).toEqual([
            "ID",
            "STATUS",
            "RISK",
            "SIGNATURE",
            "ACCOUNT",
            "REGION",
            "RESOURCE",
            "CREATED",
          ]);
          // Every name in full at 160 columns.
          expected.forEach((e, i) => {
            for (const text of [e.signature, e.account, e.region]) {
              expect(rows[i]).toContain(text);
            }
          });
        } else {
          // At 60 columns region and created go first; signature and resource stay.
          expect(columns).toEqual(["ID", "STATUS", "RISK", "SIGNATURE", "ACCOUNT", "RESOURCE"]);
          expected.forEach((e, i) => {
            const cells = rows[i]!.trim().split(/\s{2,}/);
            expect(cells[1]).toBe(e.status);
            // A cut name keeps its start and ends with an ellipsis; the account fits whole.
            expect(e.signature.startsWith(cells[3]!.replace(/…$/, ""))).toBe(true);
            expect(cells[4]).toBe(e.account);
          });
        }
        // The hint comes after the table (the terminal may wrap it).
        const after = term.history().replace(/\n/g, "");
        expect(after.indexOf(HINT)).toBeGreaterThan(after.indexOf(expected[19]!.account));
      }, 30_000);
    }
  });

  for (const columns of [60, 160]) {
    it(`TTY off (COLUMNS=${columns}): tab-separated rows with names, the hint on stderr`, async () => {
      const r = await runWithoutTty(["alerts", "list"], { columns, env: env() });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`${HINT}\n`);
      const rows = r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t"));
      expect(rows).toHaveLength(20);
      expected.forEach((e, i) => {
        // Pipes get every column and the exact values, whatever the width.
        expect(rows[i]!.slice(0, 7)).toEqual([
          e.id,
          e.status,
          String(alerts[i]!.attributes.risk_level),
          e.signature,
          e.account,
          e.region,
          e.resource,
        ]);
      });
    });
  }

  it("--columns gives ids; --all and --limit print no hint; the last page prints none", async () => {
    const ids = await runWithoutTty(
      ["alerts", "list", "--columns", "id,signature,external_account,region", "--limit", "2"],
      { env: env() },
    );
    expect(ids.code).toBe(0);
    expect(ids.stderr).toBe("");
    expect(ids.stdout).toBe(
      alerts
        .slice(0, 2)
        .map(
          (a) =>
            `${a.id}\t${a.relationships.signature}\t${a.relationships.external_account}\t${a.relationships.region}\n`,
        )
        .join(""),
    );
    const last = await runWithoutTty(["alerts", "list", "--page", "25"], { env: env() });
    expect(last.code).toBe(0);
    expect(last.stderr).toBe("");
    expect(last.stdout.trimEnd().split("\n")).toHaveLength(20);
    const json = await runWithoutTty(["alerts", "list", "--page-size", "100", "-o", "json"], {
      env: env(),
    });
    expect(json.stderr).toBe(
      "showing 100 of 500 alerts (page 1 of 5); pass --all for every page or --page 2 for the next\n",
    );
    // JSON keeps relationships as ids (nothing included that was not asked for).
    expect(JSON.parse(json.stdout)[0].signature).toBe(alerts[0]!.relationships.signature);
  });
});
