import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { spawnMock } from "../helpers/mock.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

if (!HAS_TMUX) console.warn(NO_TMUX);

describe.runIf(HAS_TMUX)("grc mock serve --login in a real terminal (tmux)", () => {
  let term: TmuxTerminal | undefined;
  afterEach(() => term?.kill());

  for (const size of SIZES) {
    it(`at ${size.columns}x${size.rows}: writes the profile without printing it, Ctrl-C stops`, async () => {
      const dir = tempConfigDir();
      term = new TmuxTerminal(["mock", "serve", "--port", "0", "--login"], {
        ...size,
        env: { GRC_CONFIG_DIR: dir },
      }).start();
      await term.waitFor("Press Ctrl-C to stop.");
      const profile = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(profile.active_profile).toBe("mock");
      const mock = profile.profiles.mock;
      expect(mock).toMatchObject({ platform: "sovereign", org_id: expect.any(String) });
      expect(mock.api_key).toMatch(/^sk-/);
      // The banner shows the demo keys on purpose; the --login line names the profile, not the
      // key. At 20 rows the banner scrolls it off the top: read the terminal's history.
      const unwrapped = term.history();
      expect(unwrapped).toContain(
        `grc mock: wrote profile "mock" (${mock.base_url}, org ${mock.org_id}, the demo API key) to ${dir}/config.json; it is the active profile`,
      );
      // With the profile, commands need no GRC_* variables.
      const status = await runGrc(["auth", "status", "--json"], { env: { GRC_CONFIG_DIR: dir } });
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).check).toMatchObject({ ok: true, result: "ok" });
      term.send("C-c");
      const end = await term.exited();
      expect(end.code).toBe(0);
      expect(end.screen).toContain("grc mock: stopped");
    });
  }
});

describe("grc mock serve ports", () => {
  it("defaults to 4010 (API) and the next port for storage", async () => {
    const r = await runWithoutTty(["mock", "serve", "--help"], { columns: 160 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--port <n> +API port \(0 = any free port\) \(default: 4010\)/);
    expect(r.stdout.replace(/\s+/g, " ")).toContain(
      "--port + 1, so 4011; any free port with --port 0",
    );
  });

  it("a taken port: one line naming --port 0, exit 2", async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const { port } = holder.address() as { port: number };
    try {
      const r = await runWithoutTty([
        "mock",
        "serve",
        "--port",
        String(port),
        "--storage-port",
        "0",
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `grc: cannot listen on 127.0.0.1:${port}: EADDRINUSE — pick another port, or --port 0 for any free one\n`,
      );
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  });

  it("--login --profile NAME over pipes: the key reaches the file, not stderr", async () => {
    const dir = tempConfigDir();
    const mock = await spawnMock(["--login", "--profile", "demo"], { GRC_CONFIG_DIR: dir });
    try {
      const stored = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(stored.profiles.demo).toEqual({
        platform: "sovereign",
        base_url: mock.identity.base_url,
        org_id: mock.identity.org_id,
        api_key: mock.identity.api_key,
      });
      expect(mock.stderr()).toContain('grc mock: wrote profile "demo"');
      expect(mock.stderr()).not.toContain(mock.identity.api_key);
    } finally {
      expect(await mock.stop()).toBe(0);
    }
  });

  it("--profile without --login is a usage error", async () => {
    const r = await runWithoutTty(["mock", "serve", "--port", "0", "--profile", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("grc: --profile goes with --login — add --login to write the profile\n");
  });
});
