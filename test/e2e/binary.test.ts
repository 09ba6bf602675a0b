// The single executable (npm run build:binary) runs without Node or node_modules: --version,
// `mock serve` from its embedded fixtures, a push and a query.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, it } from "vitest";
import { exerciseInstalledGrc, run } from "./package-helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const binary = join(root, "release", `grc-${process.platform}-${process.arch}`);

/** Why this Node cannot build a single executable, or undefined when it can. */
function cannotBuild(): string | undefined {
  if (process.platform !== "linux")
    return `binaries are built and tested on linux here, not ${process.platform}`;
  const fuse = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
  if (!readFileSync(process.execPath).includes(fuse)) {
    return `${process.execPath} has no single-executable fuse (not an official Node build)`;
  }
  return undefined;
}

/** Newest modification time of the files a binary is built from. */
function newestSource(): number {
  const paths = ["src", "fixtures", "bin", "package.json", "esbuild.config.mjs"].map((p) =>
    join(root, p),
  );
  let newest = 0;
  const visit = (p: string) => {
    const info = statSync(p);
    if (info.isDirectory()) for (const name of readdirSync(p)) visit(join(p, name));
    else newest = Math.max(newest, info.mtimeMs);
  };
  for (const p of paths) visit(p);
  return newest;
}

const reason = cannotBuild();
if (reason) console.log(`binary tests skipped: ${reason}`);

describe.skipIf(reason !== undefined)("single executable", () => {
  beforeAll(() => {
    // Reuse a binary built from the same sources (a second local run); CI builds it once.
    if (existsSync(binary) && statSync(binary).mtimeMs > newestSource()) return;
    execFileSync(process.execPath, [join(root, "bin", "build-binary.mjs")], {
      cwd: root,
      stdio: "pipe",
    });
  }, 300_000);

  it("prints its version, serves the mock from embedded fixtures, pushes and queries", async () => {
    await exerciseInstalledGrc([binary]);
  }, 120_000);

  it("runs where no node and no node_modules are on PATH", async () => {
    const r = await run([binary, "demo"], { PATH: "/nonexistent" }, 120_000);
    if (r.code !== 0) throw new Error(`grc demo exited ${r.code}: ${r.stderr}`);
  }, 120_000);
});
