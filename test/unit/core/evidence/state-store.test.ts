import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PushState, type StateEntry } from "../../../../src/core/evidence/state-store.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const scope = { base_url: "http://api.test", org_id: "org-1" };
function entry(n: number, over: Partial<StateEntry> = {}): StateEntry {
  return {
    real_path: `/data/f${n}.csv`,
    size: 10 + n,
    mtime_ms: 1_700_000_000_000 + n,
    sha256: String(n).padStart(64, "0"),
    control_id: "CC6.1",
    framework_id: null,
    assessment_id: null,
    object_key: `orgs/o/evidence/${n}/f.csv`,
    lineage_id: `lin-${n}`,
    base_url: scope.base_url,
    org_id: scope.org_id,
    linked_at: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}
/** What a run killed while holding the lock leaves: a lock whose process is gone. */
function diedHoldingLock(file: string): void {
  writeFileSync(`${file}.lock`, JSON.stringify({ pid: 2 ** 22 + 4321, host: hostname(), at: "" }));
}
const fileOf = (e: StateEntry) => ({ realPath: e.real_path, size: e.size, mtimeMs: e.mtime_ms });
const target = { control_id: "CC6.1" };

describe("PushState", () => {
  it("starts empty without a file and round-trips entries through an atomic write", async () => {
    const file = join(dir, "state", "default.json");
    const s1 = await PushState.load(file);
    expect(s1.size).toBe(0);
    s1.record(entry(1));
    s1.record(entry(2));
    await s1.close();
    // The folder is private (0700) and the file 0600: paths of evidence are not public.
    expect(statSync(join(dir, "state")).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "state"))).toEqual(["default.json"]);
    const s2 = await PushState.load(file);
    expect(s2.lookup(fileOf(entry(1)), target, scope)).toEqual(entry(1));
  });

  it("matches only the same size, mtime, target and server", async () => {
    const s = await PushState.load(join(dir, "s.json"));
    s.record(entry(1));
    const f = fileOf(entry(1));
    expect(s.lookup(f, target, scope)).toBeDefined();
    expect(s.lookup({ ...f, size: 99 }, target, scope)).toBeUndefined();
    expect(s.lookup({ ...f, mtimeMs: f.mtimeMs + 1 }, target, scope)).toBeUndefined();
    expect(s.lookup(f, { control_id: "CC7.2" }, scope)).toBeUndefined();
    expect(s.lookup(f, { control_id: "CC6.1", framework_id: "SOC2" }, scope)).toBeUndefined();
    expect(s.lookup(f, target, { ...scope, org_id: "other" })).toBeUndefined();
    await s.close();
  });

  it("journals every event at once, so a run killed before close loses nothing", async () => {
    const file = join(dir, "s.json");
    const s = await PushState.load(file);
    s.record(entry(1));
    s.record(entry(2));
    await s.flush();
    // No close(): as if the process died here. The journal holds both, the snapshot nothing
    // (and the dead run's lock is left behind, stale).
    expect(readdirSync(dir).sort()).toEqual(["s.json.journal", "s.json.lock"]);
    diedHoldingLock(file);
    expect(statSync(PushState.journalPath(file)).mode & 0o777).toBe(0o600);
    // A line torn by the kill is ignored.
    appendFileSync(PushState.journalPath(file), '{"linked":{"real_path":"/data/f3');
    const reloaded = await PushState.load(file);
    expect(reloaded.size).toBe(2);
    expect(reloaded.lookup(fileOf(entry(2)), target, scope)).toEqual(entry(2));
    // The next clean end folds the journal into the snapshot and removes it.
    reloaded.record(entry(3));
    await reloaded.close();
    expect(readdirSync(dir)).toEqual(["s.json"]);
    expect(JSON.parse(readFileSync(file, "utf8")).entries).toHaveLength(3);
  });

  it("keeps pending uploads apart from linked entries until their link is recorded", async () => {
    const file = join(dir, "s.json");
    const s = await PushState.load(file);
    const { lineage_id: _l, linked_at: _t, ...base } = entry(1);
    const pending = {
      ...base,
      verified: true,
      content_type: "text/csv",
      times: { upload_url_at: "a", uploaded_at: "b", verified_at: "c" },
    };
    await s.recordPending(pending);
    expect(s.lookup(fileOf(entry(1)), target, scope)).toBeUndefined();
    diedHoldingLock(file);
    const killed = await PushState.load(file);
    expect(killed.lookupPending(fileOf(entry(1)), target, scope)).toEqual(pending);
    expect(killed.lookupPending({ ...fileOf(entry(1)), size: 1 }, target, scope)).toBeUndefined();
    killed.record(entry(1));
    await killed.close();
    const after = await PushState.load(file);
    expect(after.lookupPending(fileOf(entry(1)), target, scope)).toBeUndefined();
    expect(after.lookup(fileOf(entry(1)), target, scope)).toEqual(entry(1));
  });

  it("refuses a broken or foreign state file with one line", async () => {
    const file = join(dir, "s.json");
    writeFileSync(file, "{not json");
    await expect(PushState.load(file)).rejects.toThrow(`state file ${file} is not valid JSON`);
    writeFileSync(file, JSON.stringify({ hello: 1 }));
    const err = await PushState.load(file).catch((e) => e);
    expect(err.line()).toBe(
      `state file ${file} is not a grc push state (version 1) — fix or delete the file, point --state elsewhere, or pass --no-state`,
    );
    expect(err.exitCode).toBe(2);
  });

  it("reports a state file it cannot write when the run ends", async () => {
    const s = await PushState.load(join(dir, "blocker", "s.json"));
    rmSync(join(dir, "blocker"), { recursive: true });
    writeFileSync(join(dir, "blocker"), "a file where the folder should be");
    s.record(entry(1));
    await expect(s.close()).rejects.toThrow(/^cannot write state file .*blocker\/s\.json: /);
  });
});
