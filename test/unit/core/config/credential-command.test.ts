import { describe, expect, it } from "vitest";
import {
  clearCredentialCache,
  helperStderrLine,
  runCredentialCommand,
} from "../../../../src/core/config/credential-command.js";

const env = { PATH: process.env.PATH };
const node = process.execPath;

describe("runCredentialCommand", () => {
  it("returns stdout without one trailing newline; no shell touches the arguments", async () => {
    clearCredentialCache();
    const secret = await runCredentialCommand(
      {
        profile: "p",
        field: "session",
        argv: [node, "-e", "process.stdout.write(process.argv[1] + '\\n')", "$(id) ;x"],
      },
      env,
    );
    expect(secret).toBe("$(id) ;x");
  });

  it("runs the helper once per process (cached), but not after a failure", async () => {
    clearCredentialCache();
    const argv = [node, "-e", "process.stdout.write(String(process.hrtime.bigint()))"];
    const a = await runCredentialCommand({ profile: "p", field: "api_key", argv }, env);
    const b = await runCredentialCommand({ profile: "p", field: "api_key", argv }, env);
    expect(b).toBe(a);
  });

  it("empty output, several lines, a non-zero exit: one AuthError line each, no stdout", async () => {
    clearCredentialCache();
    const run = (code: string) =>
      runCredentialCommand({ profile: "ci", field: "api_key", argv: [node, "-e", code] }, env);
    await expect(run("")).rejects.toMatchObject({
      exitCode: 3,
      message: `api_key_command of profile "ci" (node) printed nothing on stdout`,
    });
    await expect(run("console.log('sk-a'); console.log('sk-b')")).rejects.toThrow(
      "printed more than one line on stdout",
    );
    await expect(
      run("console.log('sk-secret-output-123456'); console.error('locked'); process.exit(4)"),
    ).rejects.toThrow(/^api_key_command of profile "ci" \(node\) exited with status 4: locked$/);
  });
});

describe("helperStderrLine", () => {
  it("keeps the last line, redacts credential shapes, strips control characters, cuts at 120", () => {
    expect(helperStderrLine("first\nerror: token=abc123 Bearer sk-0123456789abcdef\n")).toBe(
      "error: token=[REDACTED] Bearer sk-...cdef",
    );
    expect(helperStderrLine("\u001b[31mred\u001b[0m")).toBe("[31mred [0m");
    expect(helperStderrLine("x".repeat(300))).toHaveLength(120);
    expect(helperStderrLine("")).toBe("");
  });
});
