import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRC_BIN, runGrc } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

// What a one-request command makes node load. Start-up time is measured by `npm run bench`
// (test/bench/startup.js); this guards the build choices behind it (esbuild.config.mjs): node's
// own modules a plain-http request never needs stay unloaded. node's list of the built-in
// modules it loaded is written at exit by a preload (NODE_OPTIONS=--require).
const dir = mkdtempSync(join(tmpdir(), "grc-startup-"));
const preload = join(dir, "preload.cjs");
writeFileSync(
  preload,
  `process.on("exit", () => require("node:fs").writeFileSync(process.env.GRC_TEST_MODULES,
    JSON.stringify({ builtins: process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13)),
      files: Object.keys(require.cache) })));`,
);

/** node's built-in modules, and the files node's own loader loaded. */
async function loaded(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ builtins: string[]; files: string[] }> {
  const out = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const r = await runGrc(argv, {
    env: { ...env, NODE_OPTIONS: `--require ${preload}`, GRC_TEST_MODULES: out },
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(readFileSync(out, "utf8"));
}

async function loadedBy(argv: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  return (await loaded(argv, env)).builtins;
}

for (const dialect of DIALECTS) {
  describe(`one signed request over plain http loads no more of node than it needs (${dialect})`, () => {
    const mock = withMock({ dialect });

    it("alerts list --limit 1: no HTTP/2, no TLS, not node's bundled fetch", async () => {
      const modules = await loadedBy(["alerts", "list", "--limit", "1"], {
        GRC_BASE_URL: mock.baseUrl,
        GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
        GRC_HMAC_SECRET: mock.identity.hmacSecret,
      });
      // The preload itself worked: the request went through node's net module.
      expect(modules).toContain("net");
      expect(modules).not.toContain("http2");
      expect(modules).not.toContain("tls");
      expect(modules).not.toContain("internal/deps/undici/undici");
    });

    it("auth status --offline, piped: no HTTP client, no colour", async () => {
      const modules = await loadedBy(["auth", "status", "--offline"], {
        GRC_BASE_URL: mock.baseUrl,
        GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
        GRC_HMAC_SECRET: mock.identity.hmacSecret,
      });
      expect(modules).toContain("fs");
      // Nor node:net: a short answer goes to the piped stdout without node's stream for it
      // (a net.Socket; src/cli/io.ts), and no address is checked with node:net's isIP. Nor
      // chalk when no stream is a terminal (its colour detection is what loads node:tty).
      for (const name of ["http", "http2", "tls", "internal/deps/undici/undici", "tty", "net"]) {
        expect(modules).not.toContain(name);
      }
      // The build is CommonJS (esbuild.config.mjs): node never starts its ES module loader.
      expect(modules).toContain("internal/modules/cjs/loader");
      expect(modules).not.toContain("internal/modules/esm/loader");
    });

    it("auth status --offline: node's loader loads bin/grc.js, grc's own loader the bundle", async () => {
      const { files } = await loaded(["auth", "status", "--offline"], {
        GRC_BASE_URL: mock.baseUrl,
        GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
        GRC_HMAC_SECRET: mock.identity.hmacSecret,
      });
      // No node module resolution for the chunks (bin/grc.js loadBundle): node's cache holds
      // the preload and bin/grc.js only.
      expect(files.map((f) => basename(f)).sort()).toEqual(["grc.js", "preload.cjs"]);
      expect(files.find((f) => f.endsWith("grc.js"))).toBe(GRC_BIN);
    });
  });
}
