import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";

/**
 * The built CLI against a loopback port nothing listens on: one connection attempt (no retry,
 * no wait), one line naming the URL and the fix, exit 4. Counted through --debug's attempt
 * lines, not timed.
 */

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const KEY = "sk-test-0123456789abcdef";
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-e2e-unreachable-"));
  writeFileSync(join(dir, "a.txt"), "alpha\n");
  writeFileSync(join(dir, "b.txt"), "bravo\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a server that is not running (closed loopback port)", () => {
  it("evidence push: one attempt, the error once, naming the URL and the fix (exit 4)", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const env = { GRC_CONFIG_DIR: tempConfigDir(), GRC_BASE_URL: base, GRC_API_KEY: KEY };
    const args = ["evidence", "push", "a.txt", "b.txt", "--control", "CC6.1", "--org", "o1"];
    const line = `grc: cannot connect to ${base}: connection refused (ECONNREFUSED) — is the server running? start it (\`grc mock serve\` for the mock) or check the base URL (--base-url)`;

    const r = await runGrc([...args, "--no-state"], { env, cwd: dir });
    expect(r.code).toBe(4);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(line);
    expect(r.stderr.split("connection refused")).toHaveLength(2);
    expect(r.stdout).not.toContain("connection refused");
    expect(r.stderr).not.toMatch(/waiting|attempts/);

    const traced = await runGrc([...args, "--no-state", "--debug"], { env, cwd: dir });
    expect(traced.code).toBe(4);
    const tried = traced.stderr.split("\n").filter((l) => /^\[debug\] > /.test(l));
    expect(tried).toHaveLength(1);
    expect(tried[0]).toMatch(/^\[debug\] > POST http:\/\/127\.0\.0\.1:\d+\/\S+ attempt 1\/5 /);
    expect(traced.stderr).toMatch(/^\[debug\] x POST \S+ \d+ms attempt 1\/5 ECONNREFUSED$/m);
  });

  it("a query: one attempt even with --retries 10 (exit 4)", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const r = await runGrc(["api", "/api/v2/alerts", "--retries", "10", "--debug"], {
      env: { GRC_CONFIG_DIR: tempConfigDir(), GRC_BASE_URL: base, GRC_API_KEY: KEY },
    });
    expect(r.code).toBe(4);
    expect(r.stderr.split("\n").filter((l) => /^\[debug\] > /.test(l))).toHaveLength(1);
    expect(r.stderr).toContain(
      `grc: cannot connect to ${base}: connection refused (ECONNREFUSED) — `,
    );
  });
});
