import { chownSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PushState, type StateEntry } from "../../../../src/core/evidence/state-store.js";
import { ExitCode, GrcError } from "../../../../src/errors.js";

/**
 * Issue 11: the state file and its journal are grc's own: a symlink or a file owned by
 * someone else is refused (one line naming the file), and two runs never write one state
 * at once (an exclusive lock; a stale lock of a dead run does not block).
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-state-guard-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const scope = { base_url: "http://api.test", org_id: "org-1" };
const entry: StateEntry = {
  real_path: "/data/f.csv",
  size: 10,
  mtime_ms: 1_700_000_000_000,
  sha256: "0".repeat(64),
  control_id: "CC6.1",
  framework_id: null,
  assessment_id: null,
  object_key: "orgs/o/evidence/1/f.csv",
  lineage_id: "lin-1",
  base_url: scope.base_url,
  org_id: scope.org_id,
  linked_at: "2026-01-01T00:00:00.000Z",
};

async function failure(p: Promise<unknown>): Promise<GrcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrcError);
  return err as GrcError;
}

describe("state and journal files that are not grc's own", () => {
  it("a journal symlinked to another file is refused and that file is left as it was", async () => {
    const file = join(dir, "state.json");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, `${file}.journal`);
    const err = await failure(
      (async () => {
        const state = await PushState.load(file);
        state.record(entry);
        await state.close();
      })(),
    );
    expect(err.line()).toMatch(/journal .*state\.json\.journal is a symlink/);
    expect(err.line()).toMatch(/ — /);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });

  it("a state file that is a symlink is refused", async () => {
    const file = join(dir, "state.json");
    writeFileSync(join(dir, "real.json"), JSON.stringify({ version: 1, entries: [] }));
    symlinkSync(join(dir, "real.json"), file);
    const err = await failure(PushState.load(file));
    expect(err.line()).toMatch(/state\.json is a symlink/);
  });

  it.skipIf(process.getuid?.() !== 0)("a journal owned by another user is refused", async () => {
    const file = join(dir, "state.json");
    writeFileSync(`${file}.journal`, "");
    chownSync(`${file}.journal`, 65534, 65534);
    const err = await failure(PushState.load(file));
    expect(err.line()).toMatch(/state\.json\.journal is owned by another user \(uid 65534\)/);
  });
});

describe("two runs on one state file", () => {
  it("the second waits a bounded time, then stops with one line naming the holder", async () => {
    const file = join(dir, "state.json");
    const first = await PushState.load(file);
    const err = await failure(PushState.load(file, { lockWaitMs: 300 }));
    expect(err.exitCode).toBe(ExitCode.unavailable);
    expect(err.line()).toMatch(new RegExp(`in use by another grc run \\(pid ${process.pid}`));
    await first.close();
    // Once the first run is done, the state is free again.
    const again = await PushState.load(file, { lockWaitMs: 300 });
    await again.close();
  });

  it("a lock left by a killed run (its process is gone) does not block", async () => {
    const file = join(dir, "state.json");
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: "" }),
    );
    const state = await PushState.load(file, { lockWaitMs: 300 });
    state.record(entry);
    await state.close();
    expect(JSON.parse(readFileSync(file, "utf8")).entries).toHaveLength(1);
  });
});
