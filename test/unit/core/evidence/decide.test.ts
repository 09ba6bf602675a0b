import { describe, expect, it } from "vitest";
import { decideFile, decidePush, planItemAction } from "../../../../src/core/evidence/decide.js";
import type { DiscoveredFile } from "../../../../src/core/evidence/discovery.js";
import type { PendingEntry, StateEntry } from "../../../../src/core/evidence/state-store.js";

/** The push's plan: one decision per file, made once from the file and the state. */

const scope = { base_url: "http://api.test", org_id: "org-1" };
const target = { control_id: "CC6.1" };

function file(name: string, size = 10, mtimeMs = 1000): DiscoveredFile {
  return { path: name, absPath: `/d/${name}`, realPath: `/d/${name}`, size, mtimeMs, target };
}

const A = "a".repeat(64);
const B = "b".repeat(64);

function entry(name: string, sha256 = A, size = 10, mtime = 1000): StateEntry {
  return {
    real_path: `/d/${name}`,
    size,
    mtime_ms: mtime,
    sha256,
    control_id: "CC6.1",
    framework_id: null,
    assessment_id: null,
    object_key: `k/${name}`,
    lineage_id: `lin-${name}`,
    base_url: scope.base_url,
    org_id: scope.org_id,
    linked_at: "2026-01-01T00:00:00Z",
  };
}

function pending(name: string, sha256 = A): PendingEntry {
  const { lineage_id: _l, linked_at: _t, ...rest } = entry(name, sha256);
  return {
    ...rest,
    verified: true,
    content_type: "text/plain",
    times: { upload_url_at: "t", uploaded_at: "t", verified_at: "t" },
  };
}

/** A state holding the given entries, answering as PushState does (size + mtime must match). */
function stateOf(linked: StateEntry[], pend: PendingEntry[] = []) {
  const same = (e: { real_path: string; size: number; mtime_ms: number }, f: DiscoveredFile) =>
    e.real_path === f.realPath && e.size === f.size && e.mtime_ms === f.mtimeMs;
  return {
    lookup: (f: DiscoveredFile) => linked.find((e) => same(e, f)),
    lookupPending: (f: DiscoveredFile) => pend.find((e) => same(e, f)),
  };
}

describe("decideFile / decidePush", () => {
  it("skips a file linked before and unchanged; uploads a changed or unknown one", () => {
    const state = stateOf([entry("same.txt"), entry("grew.txt", A, 10)]);
    const plan = decidePush([file("same.txt"), file("grew.txt", 11), file("new.txt")], {
      state,
      scope,
      force: false,
    });
    expect(plan.map((d) => [d.file.path, d.action])).toEqual([
      ["same.txt", "skip"],
      ["grew.txt", "upload"],
      ["new.txt", "upload"],
    ]);
    expect(plan[0]).toMatchObject({ action: "skip", entry: { lineage_id: "lin-same.txt" } });
  });

  it("links a pending upload of an unchanged file instead of uploading it", () => {
    const d = decideFile(file("p.txt"), {
      state: stateOf([], [pending("p.txt")]),
      scope,
      force: false,
    });
    expect(d).toMatchObject({ action: "link-pending", pending: { object_key: "k/p.txt" } });
  });

  it("a linked entry wins over a pending one for the same file", () => {
    const d = decideFile(file("x.txt"), {
      state: stateOf([entry("x.txt")], [pending("x.txt")]),
      scope,
      force: false,
    });
    expect(d.action).toBe("skip");
  });

  it("--force and no state upload everything", () => {
    const state = stateOf([entry("same.txt")], [pending("same.txt")]);
    expect(decideFile(file("same.txt"), { state, scope, force: true }).action).toBe("upload");
    expect(decideFile(file("same.txt"), { scope, force: false }).action).toBe("upload");
  });

  it("a plan's expected SHA-256 neither skips nor resumes from an entry of other content", () => {
    const state = stateOf([entry("s.txt", A)], [pending("p.txt", A)]);
    const expectedSha256 = () => B;
    expect(decideFile(file("s.txt"), { state, scope, force: false, expectedSha256 }).action).toBe(
      "upload",
    );
    expect(decideFile(file("p.txt"), { state, scope, force: false, expectedSha256 }).action).toBe(
      "upload",
    );
    expect(
      decideFile(file("s.txt"), { state, scope, force: false, expectedSha256: () => A }).action,
    ).toBe("skip");
  });

  it("consults the state once per file (lookup, then lookupPending only when not linked)", () => {
    const calls: string[] = [];
    const state = {
      lookup: (f: DiscoveredFile) => {
        calls.push(`lookup ${f.path}`);
        return f.path === "s.txt" ? entry("s.txt") : undefined;
      },
      lookupPending: (f: DiscoveredFile) => {
        calls.push(`pending ${f.path}`);
        return undefined;
      },
    };
    decidePush([file("s.txt"), file("n.txt")], { state, scope, force: false });
    expect(calls).toEqual(["lookup s.txt", "lookup n.txt", "pending n.txt"]);
  });

  it("maps `grc evidence plan` statuses onto the same actions", () => {
    expect(planItemAction("new")).toBe("upload");
    expect(planItemAction("changed")).toBe("upload");
    expect(planItemAction("unchanged")).toBe("skip");
  });
});
