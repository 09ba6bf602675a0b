import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readRecordInput } from "../../../../src/core/strata/record-input.js";
import { UsageError } from "../../../../src/errors.js";
import { tempConfigDir } from "../../../helpers/cli.js";

function stdin(text = ""): PassThrough {
  const s = new PassThrough();
  s.end(text);
  return s;
}

describe("readRecordInput", () => {
  it("splits --field on the first = and keeps values as text", async () => {
    expect(
      await readRecordInput({ fields: ["title=a=b", "impact=4", "description="] }, stdin()),
    ).toEqual({
      title: "a=b",
      impact: "4",
      description: "",
    });
  });

  it("merges --data from a file, inline JSON or stdin, with --field winning", async () => {
    const file = join(tempConfigDir(), "r.json");
    writeFileSync(file, JSON.stringify({ title: "from file", impact: 2 }));
    expect(
      await readRecordInput({ data: `@${file}`, fields: ["title=from flag"] }, stdin()),
    ).toEqual({
      title: "from flag",
      impact: 2,
    });
    expect(await readRecordInput({ data: '{"impact": 5}' }, stdin())).toEqual({ impact: 5 });
    expect(await readRecordInput({ data: "@-" }, stdin('{"title": "piped"}'))).toEqual({
      title: "piped",
    });
  });

  it("refuses a pair without =, a missing file, bad JSON and non-objects", async () => {
    await expect(readRecordInput({ fields: ["title"] }, stdin())).rejects.toThrow(
      '--field "title" is not key=value',
    );
    await expect(readRecordInput({ data: "@/nonexistent/x.json" }, stdin())).rejects.toThrow(
      "cannot read --data file /nonexistent/x.json: ENOENT",
    );
    await expect(readRecordInput({ data: "[1]" }, stdin())).rejects.toThrow(
      "--data must hold one JSON object",
    );
    await expect(readRecordInput({ data: "@-" }, stdin("nope"))).rejects.toBeInstanceOf(UsageError);
  });
});
