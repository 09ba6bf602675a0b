import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type DiscoveredFile, discoverFiles } from "../../../../src/core/evidence/discovery.js";
import { buildPlan, countPlan, hasChanges } from "../../../../src/core/evidence/plan.js";
import type { StateEntry } from "../../../../src/core/evidence/state-store.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const scope = { base_url: "https://grc.example.com", org_id: "org-1" };
const soc2 = { control_id: "CC6.1", framework_id: "SOC2" };
const iso = { control_id: "A.9.2", framework_id: "ISO27001" };

const root = realpathSync(mkdtempSync(join(tmpdir(), "grc-plan-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dir: string;
let n = 0;
beforeEach(() => {
  n += 1;
  dir = join(root, `case-${n}`);
  mkdirSync(dir, { recursive: true });
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** A state entry as a push would have recorded it for `path` holding `text`. */
function linked(
  path: string,
  text: string,
  target: { control_id: string; framework_id?: string },
  extra: Partial<StateEntry> = {},
): StateEntry {
  const st = statSync(path, { throwIfNoEntry: false });
  return {
    real_path: path,
    size: st?.size ?? Buffer.byteLength(text),
    mtime_ms: st?.mtimeMs ?? 1,
    sha256: sha(text),
    control_id: target.control_id,
    framework_id: target.framework_id ?? null,
    assessment_id: null,
    object_key: `orgs/org-1/evidence/${sha(text).slice(0, 8)}/${path.split("/").pop()}`,
    lineage_id: `lin-${sha(text).slice(0, 6)}`,
    ...scope,
    linked_at: "2026-11-01T00:00:00.000Z",
    ...extra,
  };
}

async function files(targets = [soc2]): Promise<DiscoveredFile[]> {
  return discoverFiles(
    targets.map((target) => ({ paths: ["."], baseDir: dir, target })),
    { cwd: dir },
  );
}

const roots = (targets = [soc2]) => [{ dir, targets }];

describe("buildPlan", () => {
  it("says new, changed, unchanged and missing per file and control, by content", async () => {
    const same = write("same.csv", "a\n");
    const edited = write("edited.csv", "new content\n");
    write("fresh.csv", "fresh\n");
    const entries = [
      linked(same, "a\n", soc2),
      linked(edited, "old content\n", soc2),
      linked(join(dir, "deleted.csv"), "gone\n", soc2),
    ];
    const items = await buildPlan({
      files: await files(),
      entries,
      scope,
      roots: roots(),
      cwd: dir,
    });
    expect(items.map((i) => [i.status, i.path, i.control_id])).toEqual([
      ["changed", "edited.csv", "CC6.1"],
      ["new", "fresh.csv", "CC6.1"],
      ["unchanged", "same.csv", "CC6.1"],
      ["missing", "deleted.csv", "CC6.1"],
    ]);
    const changed = items[0]!;
    expect(changed.previous_sha256).toBe(sha("old content\n"));
    expect(changed.sha256).toBe(sha("new content\n"));
    expect(items[3]!.sha256).toBe(sha("gone\n"));
    expect(countPlan(items)).toEqual({ new: 1, changed: 1, unchanged: 1, missing: 1, error: 0 });
    expect(hasChanges(items)).toBe(true);
  });

  it("plans each control of a file on its own: linked for SOC2 is new for ISO27001", async () => {
    const p = write("policy.pdf", "policy");
    const items = await buildPlan({
      files: await files([soc2, iso]),
      entries: [linked(p, "policy", soc2)],
      scope,
      roots: roots([soc2, iso]),
      cwd: dir,
    });
    expect(items.map((i) => [i.status, i.control_id, i.framework_id])).toEqual([
      ["unchanged", "CC6.1", "SOC2"],
      ["new", "A.9.2", "ISO27001"],
    ]);
  });

  it("a renamed file whose content is linked is unchanged (naming the old path), not new + missing", async () => {
    const old = write("old-name.csv", "rows\n");
    const entry = linked(old, "rows\n", soc2);
    renameSync(old, join(dir, "new-name.csv"));
    const items = await buildPlan({
      files: await files(),
      entries: [entry],
      scope,
      roots: roots(),
      cwd: dir,
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      status: "unchanged",
      path: "new-name.csv",
      previous_path: "old-name.csv",
      object_key: entry.object_key,
      lineage_id: entry.lineage_id,
    });
    expect(hasChanges(items)).toBe(false);
  });

  it("a content change that keeps size and mtime is changed (the fast path would miss it)", async () => {
    const p = write("same-size.txt", "AAAA");
    const when = new Date("2026-01-01T00:00:00.000Z");
    utimesSync(p, when, when);
    const entry = linked(p, "AAAA", soc2);
    writeFileSync(p, "BBBB");
    utimesSync(p, when, when);
    expect(statSync(p).mtimeMs).toBe(entry.mtime_ms);
    const [item] = await buildPlan({
      files: await files(),
      entries: [entry],
      scope,
      roots: roots(),
      cwd: dir,
    });
    expect(item).toMatchObject({
      status: "changed",
      previous_sha256: sha("AAAA"),
      sha256: sha("BBBB"),
    });
  });

  it("a touched file (new mtime, same bytes) is unchanged", async () => {
    const p = write("touched.txt", "same");
    const entry = linked(p, "same", soc2, { mtime_ms: 1 });
    const [item] = await buildPlan({
      files: await files(),
      entries: [entry],
      scope,
      roots: roots(),
      cwd: dir,
    });
    expect(item!.status).toBe("unchanged");
  });

  it("an unreadable file is an error, never unchanged, even when the state says linked", async () => {
    const p = write("locked.csv", "secret");
    const entry = linked(p, "secret", soc2);
    const items = await buildPlan({
      files: await files(),
      entries: [entry],
      scope,
      roots: roots(),
      cwd: dir,
      hash: async () => {
        throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
      },
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      status: "error",
      sha256: null,
      error: "cannot read the file: permission denied (EACCES)",
    });
    expect(countPlan(items).error).toBe(1);
  });

  it("ignores state of another server or org, and vanished files outside the roots or of other controls", async () => {
    const p = write("a.csv", "a");
    const items = await buildPlan({
      files: await files(),
      entries: [
        linked(p, "a", soc2, { org_id: "other-org" }),
        linked(p, "a", soc2, { base_url: "https://other.example.com" }),
        linked("/elsewhere/gone.csv", "x", soc2),
        linked(join(dir, "gone-other-control.csv"), "y", { control_id: "CC9.9" }),
      ],
      scope,
      roots: roots(),
      cwd: dir,
    });
    expect(items.map((i) => i.status)).toEqual(["new"]);
  });

  it("a vanished file that still exists per stat (a permissions error) is not reported missing", async () => {
    const entry = linked(join(dir, "hidden-away.csv"), "z", soc2);
    const items = await buildPlan({
      files: [],
      entries: [entry],
      scope,
      roots: roots(),
      cwd: dir,
      exists: async () => true,
    });
    expect(items).toEqual([]);
  });
});
