import { PassThrough, Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { loadColour } from "../../../src/output/paint.js";
import { RecordWriter, renderTable } from "../../../src/output/records.js";
import { relativeTime } from "../../../src/output/relative-time.js";
import {
  type ColumnStyle,
  parseColumnList,
  readPath,
  resourceColumns,
} from "../../../src/output/resource-columns.js";

// A colour table paints with chalk, which the CLI loads when a stream will be coloured.
beforeAll(() => loadColour());

const now = new Date("2026-11-23T12:00:00.000Z");

describe("relative times", () => {
  it.each([
    ["2026-11-23T11:59:40.000Z", "just now"],
    ["2026-11-23T11:55:00.000Z", "5m ago"],
    ["2026-11-23T09:00:00.000Z", "3h ago"],
    ["2026-11-21T12:00:00.000Z", "2d ago"],
    ["2026-07-01T00:00:00.000Z", "4mo ago"],
    ["2024-11-01T00:00:00.000Z", "2y ago"],
    ["2026-11-23T14:00:00.000Z", "in 2h"],
  ])("%s reads %s", (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });

  it("leaves anything else alone", () => {
    expect(relativeTime("fail", now)).toBe("fail");
    expect(relativeTime(null, now)).toBe("");
  });
});

const alert = {
  id: "7",
  type: "alerts",
  status: "fail",
  risk_level: "high",
  resource: "sg-1",
  created_at: "2026-11-23T09:00:00.000Z",
  external_account: {
    id: "1",
    type: "external_accounts",
    name: "Dev",
    team: { id: "2", name: "Blue" },
  },
  tags: [
    { id: "1", key: "env" },
    { id: "2", key: "team" },
  ],
};

/** A platform's style (src/output knows none): short headers, colours by value. */
const style: ColumnStyle = {
  headers: { risk_level: "risk", created_at: "created" },
  colours: {
    status: { fail: "red", pass: "green" },
    risk_level: { high: "red", low: "green" },
  },
};

describe("resource columns", () => {
  it("dotted paths read through included resources and lists", () => {
    expect(readPath(alert, "external_account.team.name")).toBe("Blue");
    expect(readPath(alert, "tags.key")).toEqual(["env", "team"]);
    expect(readPath(alert, "status.nope")).toBeUndefined();
  });

  it("--columns is checked", () => {
    expect(parseColumnList("id, status ,external_account.name")).toEqual([
      "id",
      "status",
      "external_account.name",
    ]);
    expect(() => parseColumnList(",")).toThrow('invalid --columns ","');
    expect(() => parseColumnList("id;rm")).toThrow("invalid --columns");
  });

  it("colour on a TTY paints status and risk, after truncation and alignment", () => {
    const cols = resourceColumns(["id", "status", "risk_level", "created_at"], {
      tty: true,
      now,
      prettyHeaders: true,
      style,
    });
    const text = renderTable([alert], cols, { tty: true, color: true, columns: 120 });
    // Ids are right-aligned, as in every table of grc (StrataGRC's too).
    expect(text).toBe(
      "\u001b[1mID\u001b[22m  \u001b[1mSTATUS\u001b[22m  \u001b[1mRISK\u001b[22m  \u001b[1mCREATED\u001b[22m\n" +
        " 7  \u001b[31mfail\u001b[39m    \u001b[31mhigh\u001b[39m  3h ago\n",
    );
  });

  it("piped rows keep ISO times and label included resources", () => {
    const cols = resourceColumns(["id", "external_account", "tags.key", "created_at"], {
      tty: false,
      now,
    });
    expect(renderTable([alert], cols, { tty: false, color: false })).toBe(
      "7\tDev\tenv,team\t2026-11-23T09:00:00.000Z\n",
    );
  });

  it("a piped table streams each row as it is written", async () => {
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (c) => {
      out += c;
    });
    const writer = new RecordWriter(
      { stdout, format: "table", tty: false, color: false },
      resourceColumns(["id", "status"], { tty: false, now }),
    );
    await writer.write(alert);
    expect(out).toBe("7\tfail\n");
    await writer.write({ ...alert, id: "8", status: "pass" });
    await writer.end();
    expect(out).toBe("7\tfail\n8\tpass\n");
  });

  it("writeAll sends a page of NDJSON or CSV as one write; CSV headers are the keys", async () => {
    const chunks: string[] = [];
    const stdout = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const cols = resourceColumns(["id", "risk_level"], { tty: false, now });
    const csv = new RecordWriter({ stdout, format: "csv", tty: false, color: false }, cols);
    await csv.writeAll([alert, { ...alert, id: "8", risk_level: "low" }]);
    await csv.end();
    expect(chunks).toEqual(["id,risk_level\r\n7,high\r\n8,low\r\n"]);
    chunks.length = 0;
    const nd = new RecordWriter({ stdout, format: "ndjson", tty: false, color: false }, cols);
    await nd.writeAll([{ id: "1" }, { id: "2" }]);
    await nd.writeAll([]);
    expect(chunks).toEqual(['{"id":"1"}\n{"id":"2"}\n']);
    expect(nd.written).toBe(2);
  });
});

describe("tables narrower than their content", () => {
  it("shrink the widest columns first and never below the header", () => {
    const rows = [
      {
        id: "1",
        signature: "EC2 security group allows SSH from the internet",
        resource: "sg-7798fde3e0fd45482",
      },
    ];
    const cols = resourceColumns(["id", "signature", "resource"], {
      tty: true,
      now,
      prettyHeaders: true,
    });
    expect(renderTable(rows, cols, { tty: true, color: false, columns: 40 })).toBe(
      "ID  SIGNATURE          RESOURCE\n 1  EC2 security gro…  sg-7798fde3e0fd4…\n",
    );
  });
});

describe("tables too narrow for every column", () => {
  const rows = [
    {
      id: "1",
      signature: "EC2 security group allows SSH from the internet",
      region: "ap_northeast_1",
      resource: "arn:aws:iam::331883198139:user/erin",
      created_at: "2026-11-23T09:00:00.000Z",
    },
  ];
  const cols = resourceColumns(["id", "signature", "region", "resource", "created_at"], {
    tty: true,
    now,
    prettyHeaders: true,
    style: { dropOrder: ["region", "created_at"], headers: { created_at: "created" } },
  });

  it("leave out the droppable columns in order rather than wrap rows", () => {
    // Every column at 12 characters needs 2+12+12+12+7 and 4 gaps = 53: REGION goes first.
    const narrow = renderTable(rows, cols, { tty: true, color: false, columns: 44 });
    const lines = narrow.trimEnd().split("\n");
    expect(lines[0]!.split(/\s{2,}/)).toEqual(["ID", "SIGNATURE", "RESOURCE", "CREATED"]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(44);
    expect(lines[1]).toMatch(/^ 1 {2}EC2 security \S*…\s+arn:aws:iam:\S*…\s+3h ago$/);
    const narrower = renderTable(rows, cols, { tty: true, color: false, columns: 30 });
    expect(narrower.split("\n")[0]).toBe("ID  SIGNATURE     RESOURCE");
    for (const line of narrower.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(30);
  });

  it("keep every column when they fit, and pipes always get every column", () => {
    const wide = renderTable(rows, cols, { tty: true, color: false, columns: 160 });
    expect(wide.split("\n")[0]!.split(/\s{2,}/)).toEqual([
      "ID",
      "SIGNATURE",
      "REGION",
      "RESOURCE",
      "CREATED",
    ]);
    const piped = resourceColumns(["id", "signature", "region", "resource", "created_at"], {
      tty: false,
      now,
      style: { dropOrder: ["region", "created_at"] },
    });
    expect(renderTable(rows, piped, { tty: false, color: false, columns: 30 })).toBe(
      "1\tEC2 security group allows SSH from the internet\tap_northeast_1\tarn:aws:iam::331883198139:user/erin\t2026-11-23T09:00:00.000Z\n",
    );
  });
});

describe("hostile values on a terminal", () => {
  const hostile = { id: "1", resource: "a\u001b]0;pwned\u0007b\u009b2Jc" };
  const capture = async (format: "csv" | "json" | "ndjson", tty: boolean) => {
    const chunks: string[] = [];
    const stdout = new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const writer = new RecordWriter(
      { stdout, format, tty, color: false },
      resourceColumns(["id", "resource"], { tty, now }),
    );
    await writer.writeAll([hostile]);
    await writer.end();
    return chunks.join("");
  };

  it("CSV strips control characters and ends lines in LF on a terminal, exact CRLF when piped", async () => {
    expect(await capture("csv", true)).toBe("id,resource\n1,ab2Jc\n");
    expect(await capture("csv", false)).toBe(`id,resource\r\n1,${hostile.resource}\r\n`);
  });

  it("JSON and NDJSON escape C1 controls too, so the data survives and nothing raw reaches the screen", async () => {
    for (const format of ["json", "ndjson"] as const) {
      const text = await capture(format, true);
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(text).toContain("\\u009b");
      const parsed = format === "json" ? JSON.parse(text)[0] : JSON.parse(text);
      expect(parsed).toEqual(hostile);
    }
  });
});
