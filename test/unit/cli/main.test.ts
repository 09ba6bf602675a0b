import { describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { runInProcess } from "../../helpers/cli.js";

/** A bug: the profile resolver throws something no code path expected. */
const broken = {
  profile: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')")),
};

describe("an unexpected error (a bug in grc)", () => {
  it("exits 70 with one line naming it, where to report it and how to get the stack", async () => {
    const r = await runInProcess(["evidence", "list"], { context: broken });
    expect(r.code).toBe(70);
    expect(ExitCode.internal).toBe(70);
    expect(r.stderr).toBe(
      "grc: internal error: Cannot read properties of undefined (reading 'x') — please report it at https://github.com/grc-cli/grc/issues; rerun with --debug for the stack\n",
    );
    expect(r.stdout).toBe("");
  });

  it("shows the stack only with --debug", async () => {
    const r = await runInProcess(["evidence", "list", "--debug"], { context: broken });
    expect(r.code).toBe(70);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toMatch(/^grc: internal error: Cannot read properties/);
    expect(r.stderr).toMatch(/TypeError: Cannot read properties of undefined[^\n]*\n\s+at /);
  });

  it("keeps exit 1 for its documented meaning and the error's own code for a GrcError", async () => {
    const r = await runInProcess(["evidence", "list", "--limit", "1e1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
