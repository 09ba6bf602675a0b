import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";
import { DIALECTS, mockEnv, storeObject, withMock } from "../helpers/mock.js";

describe.each(DIALECTS)("%s dialect", (dialect) => {
  // The built CLI (bin/grc.js, `npm run build` first) against the mock on 127.0.0.1.
  const mock = withMock({ dialect, platforms: ["sovereign"] });
  const TEXT = "user,action,at\nalice,login,2024-01-01\n";
  const SHA = createHash("sha256").update(TEXT).digest("hex");
  let objectKey = "";

  beforeAll(async () => {
    // Steps 1-2 of the seed with plain fetch; linking is the CLI's job below.
    objectKey = await storeObject(mock, TEXT, {
      filename: "access_logs_2024.csv",
      content_type: "text/csv",
      control_id: "CC6.1",
    });
  });

  describe("evidence read side, end to end", () => {
    it("verify, link, list, get and download one stored object", async () => {
      const env = mockEnv(mock);
      const verify = await runGrc(["evidence", "verify", objectKey, "--sha256", SHA], { env });
      expect([verify.code, verify.stderr]).toEqual([0, ""]);
      if (dialect === "full") {
        expect(verify.stdout).toBe(
          `verified ${objectKey} sha256=${SHA} size=${Buffer.byteLength(TEXT)}\n`,
        );
      } else {
        // The minimal server only says {"verified": true}: no size to print.
        expect(verify.stdout).toMatch(new RegExp(`^verified ${objectKey} sha256=${SHA}\\b`));
      }

      const link = await runGrc(
        [
          "evidence",
          "link",
          SHA,
          "--object-key",
          objectKey,
          "--control",
          "CC6.1",
          "--framework",
          "SOC2",
          "--json",
        ],
        { env },
      );
      expect([link.code, link.stderr]).toEqual([0, ""]);
      expect(JSON.parse(link.stdout)[0]).toMatchObject({
        evidence_id: SHA,
        control_id: "CC6.1",
        created: true,
      });

      const list = await runGrc(["evidence", "list", "--control", "CC6.1", "--output", "ndjson"], {
        env,
      });
      expect([list.code, list.stderr]).toEqual([0, ""]);
      expect(JSON.parse(list.stdout)).toMatchObject({
        id: SHA,
        filename: "access_logs_2024.csv",
        controls: ["CC6.1"],
      });

      const get = await runGrc(["evidence", "get", SHA], { env });
      expect(get.code).toBe(0);
      expect(get.stdout.split("\n")[0]).toBe(`sha256\t${SHA}`);
      expect(get.stdout).toMatch(/ CC6\.1 +SOC2 /);

      const dir = mkdtempSync(join(tmpdir(), "grc-e2e-dl-"));
      const download = await runGrc(["evidence", "download", SHA, "-o", dir], { env });
      expect([download.code, download.stderr]).toEqual([0, ""]);
      expect(readFileSync(join(dir, "access_logs_2024.csv"), "utf8")).toBe(TEXT);

      // Nothing secret reached the terminal.
      for (const r of [verify, link, list, get, download]) {
        expect(r.stdout + r.stderr).not.toContain(mock.identity.apiKey);
        expect(r.stdout + r.stderr).not.toContain("X-Amz-Signature");
      }
    });

    it("fails with one line and the documented exit codes", async () => {
      const env = mockEnv(mock);
      const mismatch = await runGrc(["evidence", "verify", objectKey, "--sha256", "0".repeat(64)], {
        env,
      });
      expect(mismatch.code).toBe(1);
      expect(mismatch.stderr.split("\n")).toHaveLength(2);
      const readOnly = await runGrc(
        ["evidence", "link", SHA, "--object-key", objectKey, "--control", "CC7.2"],
        {
          env: { ...env, GRC_API_KEY: mock.identity.readOnlyApiKey },
        },
      );
      expect(readOnly.code).toBe(3);
      expect(readOnly.stderr).toMatch(/^grc: missing required scope: write:evidence.*\n$/);
      const noKey = await runGrc(["evidence", "list"], { env: { ...env, GRC_API_KEY: "" } });
      expect(noKey.code).toBe(3);
      expect(noKey.stderr.split("\n")).toHaveLength(2);
    });
  });
});
