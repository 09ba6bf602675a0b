import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes files (a path under `dir` -> its content) and the folders they need; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): string {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}
