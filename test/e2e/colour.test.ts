// Colour is chalk's decision per stream, plus NO_COLOR: a table in a real terminal is
// coloured, NO_COLOR turns that off, a pipe gets plain rows.
import { spawn, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GRC_BIN, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, mockEnv, withMock } from "../helpers/mock.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.log("colour tests skipped: util-linux `script` is not installed");

/** Runs a command to the end without blocking the in-process mock. */
function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const BOLD_HEADER = "\u001b[1mID";
const RED_FAIL = "\u001b[31mfail\u001b[39m";

for (const dialect of DIALECTS) {
  describe.runIf(hasScript)(`colour of alerts list (${dialect} mock)`, () => {
    const mock = withMock({ dialect });
    const argv = ["alerts", "list", "--status", "fail", "--limit", "2"];

    /** Runs grc inside a pseudo-terminal (stdout and stderr are TTYs); returns the screen. */
    const inTerminal = async (env: NodeJS.ProcessEnv) => {
      const command = [process.execPath, GRC_BIN, ...argv].map((a) => `'${a}'`).join(" ");
      const r = await runAsync("script", ["-qfec", command, "/dev/null"], {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TERM: "xterm",
        GRC_CONFIG_DIR: tempConfigDir(),
        ...mockEnv(mock),
        ...env,
      });
      expect(r.status, r.stdout).toBe(0);
      return r.stdout;
    };

    it("colours the header and the status in a terminal", async () => {
      const screen = await inTerminal({});
      expect(screen).toContain(BOLD_HEADER);
      expect(screen).toContain(RED_FAIL);
    });

    it("prints no escape sequence in a terminal under NO_COLOR", async () => {
      expect(await inTerminal({ NO_COLOR: "1" })).not.toContain("\u001b[");
    });

    it("prints none in a pipe (tab-separated rows stay plain even under FORCE_COLOR)", async () => {
      const piped = (env: NodeJS.ProcessEnv) =>
        runAsync(process.execPath, [GRC_BIN, ...argv, "-o", "table"], {
          PATH: process.env.PATH,
          GRC_CONFIG_DIR: tempConfigDir(),
          ...mockEnv(mock),
          ...env,
        });
      const plain = await piped({});
      expect(plain.status, plain.stderr).toBe(0);
      expect(plain.stdout).not.toContain("\u001b[");
      const forced = await piped({ FORCE_COLOR: "1" });
      expect(forced.stdout).not.toContain("\u001b[");
    });
  });
}
