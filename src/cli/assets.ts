import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Lists the files embedded in a single executable (written by bin/build-binary.mjs). */
export const ASSET_MANIFEST = "assets.json";

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
  getAsset(key: string): ArrayBuffer;
}

let extracted: Promise<string> | undefined;

/** node:sea when this process is a single executable, else undefined. */
async function seaModule(): Promise<SeaModule | undefined> {
  try {
    const sea = (await import("node:sea")) as unknown as SeaModule;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined; // A Node without single-executable support.
  }
}

/** Whether dir holds grc's own package.json (dist/ and bin/ hold one naming only the module type). */
function isPackageRoot(dir: string): boolean {
  const file = join(dir, "package.json");
  return existsSync(file) && typeof JSON.parse(readFileSync(file, "utf8")).name === "string";
}

/** The folder of grc's package.json, walking up from this module (src/cli/ or dist/chunks/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isPackageRoot(dir)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("grc's package.json is missing beside its code");
    dir = parent;
  }
  return dir;
}

/** Writes every embedded file into a fresh private folder, removed when the process exits. */
function extractAssets(sea: SeaModule): string {
  const root = mkdtempSync(join(tmpdir(), "grc-assets-"));
  process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  const keys = JSON.parse(sea.getAsset(ASSET_MANIFEST, "utf8")) as string[];
  for (const key of keys) {
    const file = join(root, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, new Uint8Array(sea.getAsset(key)));
  }
  return root;
}

/**
 * A folder that ships with grc (`fixtures`, `fixtures/demo/evidence`): beside the code in a
 * checkout or an npm install; in a single executable, its embedded copy written to a
 * temporary folder on first use (the mock and the demo read real files).
 */
export async function packageAssetDir(relative: string): Promise<string> {
  extracted ??= seaModule().then((sea) => (sea ? extractAssets(sea) : packageRoot()));
  return join(await extracted, relative);
}
