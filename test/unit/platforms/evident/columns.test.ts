import { beforeAll, describe, expect, it } from "vitest";
import { closest } from "../../../../src/core/query/suggest.js";
import { loadColour } from "../../../../src/output/paint.js";
import { renderTable } from "../../../../src/output/records.js";
import { resourceColumns } from "../../../../src/output/resource-columns.js";
import {
  DEFAULT_COLUMNS,
  defaultColumnKeys,
  defaultIncludes,
  EVIDENT_COLUMN_STYLE,
  QUICK_FILTER_VALUES,
  searchableFieldsLine,
} from "../../../../src/platforms/evident/index.js";

// A colour table paints with chalk, which the CLI loads when a stream will be coloured.
beforeAll(() => loadColour());

const now = new Date("2026-11-23T12:00:00.000Z");

// An alert as flattened with include=signature,external_account,region (names from the
// document's example: external account "Dev").
const alert = {
  id: "7",
  type: "alerts",
  status: "fail",
  risk_level: "high",
  resource: "sg-1",
  created_at: "2026-11-23T09:00:00.000Z",
  signature: { id: "9", type: "signatures", identifier: "AWS:EC2-001", name: "SSH open" },
  external_account: {
    id: "1",
    type: "external_accounts",
    name: "Dev",
    team: { id: "2", name: "Blue" },
  },
  region: { id: "1", type: "regions", code: "us_east_1", name: "US East (N. Virginia)" },
  tags: [
    { id: "1", key: "env" },
    { id: "2", key: "team" },
  ],
};

describe("Evident columns", () => {
  it("per-type defaults keep the ones the data has", () => {
    const { signature: _s, region: _r, ...withoutIncludes } = alert;
    expect(defaultColumnKeys("alerts", withoutIncludes)).toEqual([
      "id",
      "status",
      "risk_level",
      "external_account",
      "resource",
      "created_at",
    ]);
    expect(defaultColumnKeys("widgets", { id: "1", type: "widgets", a: 1, b: 2 })).toEqual([
      "id",
      "a",
      "b",
    ]);
  });

  it("an alert's default columns name its signature, account and region", () => {
    expect(defaultIncludes("alerts")).toEqual(["signature", "external_account", "region"]);
    // Every include is a relationship column of the defaults.
    for (const path of defaultIncludes("alerts")) expect(DEFAULT_COLUMNS.alerts).toContain(path);
    const cols = resourceColumns(defaultColumnKeys("alerts", alert), {
      tty: false,
      now,
      style: EVIDENT_COLUMN_STYLE,
    });
    expect(renderTable([alert], cols, { tty: false, color: false })).toBe(
      "7\tfail\thigh\tSSH open\tDev\tus_east_1\tsg-1\t2026-11-23T09:00:00.000Z\n",
    );
    // Not included (the server left it out, or --columns without --include): the id.
    const bare = { ...alert, signature: "9", region: "1" };
    expect(renderTable([bare], cols, { tty: false, color: false })).toBe(
      "7\tfail\thigh\t9\tDev\t1\tsg-1\t2026-11-23T09:00:00.000Z\n",
    );
  });

  it("a table has short headers, right-aligned ids and coloured status and risk", () => {
    const cols = resourceColumns(["id", "status", "risk_level", "external_account"], {
      tty: true,
      now,
      prettyHeaders: true,
      style: EVIDENT_COLUMN_STYLE,
    });
    const text = renderTable(
      [alert, { ...alert, id: "10", status: "pass", risk_level: "low" }],
      cols,
      {
        tty: true,
        color: true,
        columns: 120,
      },
    );
    expect(text).toBe(
      "\u001b[1mID\u001b[22m  \u001b[1mSTATUS\u001b[22m  \u001b[1mRISK\u001b[22m  \u001b[1mACCOUNT\u001b[22m\n" +
        " 7  \u001b[31mfail\u001b[39m    \u001b[31mhigh\u001b[39m  Dev\n" +
        "10  \u001b[32mpass\u001b[39m    \u001b[32mlow\u001b[39m   Dev\n",
    );
  });

  it("quick filters take Evident's statuses and risk levels", () => {
    expect(QUICK_FILTER_VALUES.alerts).toEqual({
      status: ["pass", "fail", "warn", "error", "info"],
      risk: ["low", "medium", "high"],
    });
  });

  it("after an invalid search term: the searchable fields, with a did-you-mean", () => {
    expect(searchableFieldsLine("alerts", closest, { attribute: "foo", predicate: "eq" })).toBe(
      "searchable fields of alerts: id, status, risk_level, resource, created_at, updated_at, started_at, ended_at, external_account_<field>, region_<field>, signature_<field>, suppression_<field>, tags_<field>",
    );
    expect(
      searchableFieldsLine("alerts", closest, { attribute: "stauts", predicate: "eq" }),
    ).toMatch(/^did you mean status_eq\? searchable fields of alerts: id, status,/);
    expect(searchableFieldsLine("widgets", closest)).toBeUndefined();
  });
});
