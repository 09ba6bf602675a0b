import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess } from "../../helpers/cli.js";
import { withMock } from "../../helpers/mock.js";

/** Commands take the working directory and the clock from the context (tests hand in both). */
describe("ctx.cwd and ctx.now()", () => {
  const mock = withMock({ platforms: ["sovereign"] });

  it("push reads relative paths against ctx.cwd and dates its receipt with ctx.now()", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grc-ctx-"));
    writeFileSync(join(dir, "a.txt"), "evidence");
    const fixed = new Date("2030-01-02T03:04:05.000Z");
    // process.cwd() is not dir: only ctx.cwd can make "a.txt" and "r.ndjson" land there.
    expect(process.cwd()).not.toBe(dir);
    const r = await runInProcess(
      ["evidence", "push", "a.txt", "--control", "C1", "-q", "--receipt", "r.ndjson"],
      { env: mock.env(), context: { cwd: dir, now: () => fixed } },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const receipt = readFileSync(join(dir, "r.ndjson"), "utf8");
    expect(receipt).toContain('"started_at":"2030-01-02T03:04:05.000Z"');
    expect(receipt).toContain('"finished_at":"2030-01-02T03:04:05.000Z"');
  });
});
