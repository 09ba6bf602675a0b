// `npm run build:binary [-- --node /path/to/node]`: a single executable for machines without
// Node (Node's single-executable applications: an esbuild bundle in one CommonJS file,
// injected into a copy of a node binary with postject). The mock's fixtures and the demo's
// evidence ride along as SEA assets (src/cli/assets.ts reads them back).
// Writes release/grc-<platform>-<arch> for the platform of the node binary used (by default
// the one running this script; pass another official node binary of the same platform, e.g.
// a newer major, with --node). Not part of the npm package.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const nodeFlag = process.argv.indexOf("--node");
const nodeBinary = nodeFlag > 0 ? process.argv[nodeFlag + 1] : process.execPath;
const work = ".tmp/sea";

/** Every file under a folder, as paths relative to the package root (forward slashes). */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) =>
      relative(root, join(d.parentPath ?? d.path, d.name))
        .split("\\")
        .join("/"),
    )
    .sort();
}

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
run(process.execPath, ["esbuild.config.mjs", "--sea"]);

const shipped = ["fixtures/demo", "fixtures/evident", "fixtures/strata"].flatMap(filesUnder);
const manifest = join(work, "assets.json");
writeFileSync(manifest, JSON.stringify(shipped));
const assets = Object.fromEntries(shipped.map((key) => [key, key]));
assets["assets.json"] = manifest;
assets["THIRD-PARTY-LICENSES.txt"] = join(work, "THIRD-PARTY-LICENSES.txt");
const blob = join(work, "grc.blob");
writeFileSync(
  join(work, "sea-config.json"),
  JSON.stringify({
    main: join(work, "grc.cjs"),
    output: blob,
    disableExperimentalSEAWarning: true,
    assets,
  }),
);
run(nodeBinary, ["--experimental-sea-config", join(work, "sea-config.json")]);

const platform = execFileSync(nodeBinary, ["-p", "process.platform + '-' + process.arch"], {
  encoding: "utf8",
}).trim();
mkdirSync("release", { recursive: true });
const out = join("release", `grc-${platform}${platform.startsWith("win32") ? ".exe" : ""}`);
rmSync(out, { force: true });
copyFileSync(nodeBinary, out);
chmodSync(out, 0o755);
const postjectArgs = [
  out,
  "NODE_SEA_BLOB",
  blob,
  "--sentinel-fuse",
  "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
];
if (platform.startsWith("darwin")) {
  run("codesign", ["--remove-signature", out]);
  postjectArgs.push("--macho-segment-name", "NODE_SEA");
}
run(process.execPath, [join("node_modules", "postject", "dist", "cli.js"), ...postjectArgs]);
if (platform.startsWith("darwin")) run("codesign", ["--sign", "-", out]);
console.log(`grc build:binary: ${out}`);
