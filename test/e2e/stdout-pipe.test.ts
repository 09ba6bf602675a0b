import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

// stdout that is a pipe or a file takes its first 16 KiB straight to the descriptor and the
// rest through node's stream (src/cli/io.ts directStdout). Every byte must arrive, in order,
// whichever way it went. The expected rows are the fixture the mock serves. (That a short
// answer creates no stream, and so loads no node:net, test/e2e/startup-modules.test.ts checks.)
const alerts: { id: string }[] = JSON.parse(
  readFileSync(new URL("../../fixtures/evident/alerts.json", import.meta.url), "utf8"),
);
const dir = mkdtempSync(join(tmpdir(), "grc-stdout-"));

/** The alert ids of NDJSON output, in order. */
const idsOf = (ndjson: string) =>
  ndjson
    .trimEnd()
    .split("\n")
    .map((line) => (JSON.parse(line) as { id: string }).id);

for (const dialect of DIALECTS) {
  describe(`grc's stdout as a pipe and as a file (${dialect})`, () => {
    const mock = withMock({ dialect });
    const env = () => ({
      GRC_BASE_URL: mock.baseUrl,
      GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
      GRC_HMAC_SECRET: mock.identity.hmacSecret,
    });
    const expected = alerts.map((a) => a.id);

    it("a pipe: every row of a long listing arrives, in order", async () => {
      const r = await runGrc(["alerts", "list", "--all", "-o", "ndjson"], { env: env() });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(64 * 1024); // past the direct bytes, past a pipe's size
      expect(new Set(idsOf(r.stdout))).toEqual(new Set(expected));
      expect(idsOf(r.stdout)).toHaveLength(expected.length);
    });

    it("a file: the same bytes as through a pipe", async () => {
      const args = ["alerts", "list", "--all", "-o", "ndjson", "--sort", "id"];
      const piped = await runGrc(args, { env: env() });
      const file = join(dir, `out-${dialect}.ndjson`);
      const fd = openSync(file, "w");
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [GRC_BIN, ...args], {
          env: { PATH: process.env.PATH, GRC_CONFIG_DIR: tempConfigDir(), NO_COLOR: "1", ...env() },
          stdio: ["ignore", fd, "ignore"],
        });
        child.on("error", reject);
        child.on("close", resolve);
      });
      closeSync(fd);
      expect(code).toBe(0);
      expect(piped.code).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(piped.stdout);
      expect(idsOf(piped.stdout)).toHaveLength(expected.length);
    });
  });
}
