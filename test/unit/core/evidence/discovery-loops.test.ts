import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discoverFiles } from "../../../../src/core/evidence/discovery.js";

/**
 * Issue 11: --follow-symlinks over a directory symlink loop ran out of heap after 140 s.
 * Loops are detected as `find -L` does (the device and inode of each folder on the path),
 * each is reported once, and the walk stays abortable.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-loops-"));
  mkdirSync(join(dir, "ev", "a", "b"), { recursive: true });
  writeFileSync(join(dir, "ev", "top.txt"), "top");
  writeFileSync(join(dir, "ev", "a", "b", "deep.txt"), "deep");
  // Two loops back up the tree and one sideways: without detection the walk fans out forever.
  symlinkSync(join(dir, "ev"), join(dir, "ev", "a", "b", "up"));
  symlinkSync(join(dir, "ev", "a"), join(dir, "ev", "a", "b", "up2"));
  symlinkSync("..", join(dir, "ev", "a", "parent"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("--follow-symlinks over symlink loops", () => {
  it("finds each file once and reports each loop, in seconds", async () => {
    const loops: string[] = [];
    const started = performance.now();
    const files = await discoverFiles(
      [{ paths: ["ev"], baseDir: dir, target: { control_id: "C1" } }],
      { cwd: dir, followSymlinks: true, onSkip: (path, why) => loops.push(`${path}: ${why}`) },
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(files.map((f) => f.path).sort()).toEqual(["ev/a/b/deep.txt", "ev/top.txt"]);
    expect(loops.map((l) => l.replace(/: .*/, "")).sort()).toEqual([
      "ev/a/b/up",
      "ev/a/b/up2",
      "ev/a/parent",
    ]);
    expect(
      loops.every((l) => / symlink loop \(leads back to ev(\/a)?\); not followed$/.test(l)),
    ).toBe(true);
  }, 20_000);

  it("an aborted signal stops the walk with an interruption", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      discoverFiles([{ paths: ["ev"], baseDir: dir, target: { control_id: "C1" } }], {
        cwd: dir,
        followSymlinks: true,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/interrupted/i);
  });
});
