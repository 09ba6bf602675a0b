import { describe, expect, it } from "vitest";
import { compileQuery, parseCommandJson, renderQueryResult } from "../../../src/output/query.js";

const pipe = { tty: false, color: false, columns: 80 };

describe("compileQuery", () => {
  it("evaluates JMESPath with raw strings and legacy backtick literals", async () => {
    const rows = [
      { id: "1", risk_level: "high" },
      { id: "2", risk_level: "low" },
    ];
    expect((await compileQuery("[?risk_level=='high'].id")).apply(rows)).toEqual(["1"]);
    expect((await compileQuery("[?risk_level==`high`].id")).apply(rows)).toEqual(["1"]);
    expect((await compileQuery("length(@)")).apply(rows)).toBe(2);
  });

  it("a syntax error and an unknown function are usage errors (exit 2) naming the expression", async () => {
    await expect(compileQuery("[?")).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^--query "\[\?": /),
    });
    const q = await compileQuery("nosuch(@)");
    expect(() => q.apply([])).toThrow(/--query "nosuch\(@\)": Unknown function: nosuch\(\)/);
    await expect(compileQuery("  ")).rejects.toThrow("--query is empty");
  });
});

describe("parseCommandJson", () => {
  it("reads one document, or several (NDJSON, raw pages) as an array", () => {
    expect(parseCommandJson('[\n  {"a": 1}\n]\n')).toEqual([{ a: 1 }]);
    expect(parseCommandJson('{"a":1}\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseCommandJson("")).toBeUndefined();
    expect(() => parseCommandJson("id\tname\n")).toThrow(/needs JSON output/);
  });
});

describe("renderQueryResult", () => {
  it("json: indented; ndjson: one line per element", () => {
    expect(renderQueryResult(["1", "2"], "json", pipe)).toBe('[\n  "1",\n  "2"\n]\n');
    expect(renderQueryResult(null, "json", pipe)).toBe("null\n");
    expect(renderQueryResult([{ a: 1 }, 2], "ndjson", pipe)).toBe('{"a":1}\n2\n');
  });

  it("table: scalars one per line unquoted; objects as tab-separated rows when piped", () => {
    expect(renderQueryResult(["a", 2, true, null], "table", pipe)).toBe("a\n2\ntrue\n");
    expect(renderQueryResult("one", "table", pipe)).toBe("one\n");
    expect(
      renderQueryResult(
        [
          { id: "1", risk: "high" },
          { id: "2", extra: "x" },
        ],
        "table",
        pipe,
      ),
    ).toBe("1\thigh\t\n2\t\tx\n");
  });

  it("csv: header of the keys' union, RFC 4180 quoting and CRLF when piped", () => {
    expect(renderQueryResult([{ id: "1", name: "a,b" }], "csv", pipe)).toBe(
      'id,name\r\n1,"a,b"\r\n',
    );
  });

  it("a terminal never gets control characters from a value", () => {
    const out = renderQueryResult(["evil\u001b]0;title\u0007"], "table", {
      tty: true,
      color: false,
      columns: 80,
    });
    expect(out).not.toContain("\u001b");
    expect(out).not.toContain("\u0007");
  });
});
