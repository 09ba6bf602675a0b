import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverFiles } from "../../../../src/core/evidence/discovery.js";
import { pushEvidence } from "../../../../src/core/evidence/push.js";
import { PushState } from "../../../../src/core/evidence/state-store.js";
import { FakePlatform, sha256 } from "./fake-platform.js";

/** The push core's hook for `grc evidence apply`: the plan's SHA-256 decides, not size+mtime. */
const dir = mkdtempSync(join(tmpdir(), "grc-push-expected-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scope = { base_url: "http://api.test", org_id: "org-1" };

async function setup(name: string, linkedContent: string, nowContent: string) {
  const path = join(dir, name);
  writeFileSync(path, nowContent);
  const st = statSync(path);
  const state = await PushState.load(join(dir, `${name}.state.json`));
  // The state says this path (same size and mtime) was linked with other content.
  state.record({
    real_path: path,
    size: st.size,
    mtime_ms: st.mtimeMs,
    sha256: sha256(linkedContent),
    control_id: "CC6.1",
    framework_id: null,
    assessment_id: null,
    object_key: "orgs/o/evidence/old",
    lineage_id: "lin-old",
    ...scope,
    linked_at: "2026-11-01T00:00:00.000Z",
  });
  const files = await discoverFiles(
    [{ paths: [name], baseDir: dir, target: { control_id: "CC6.1" } }],
    { cwd: dir },
  );
  return { files, state };
}

describe("pushEvidence with planned hashes", () => {
  it("without a plan, a state entry of the same size and mtime skips the file", async () => {
    const fake = new FakePlatform();
    const { files, state } = await setup("a.txt", "AAAA", "BBBB");
    const s = await pushEvidence(
      { files, scope, concurrency: 1, verify: true, force: false },
      { evidence: fake.evidence, storage: fake.storage, state },
    );
    expect(s.results.map((r) => r.status)).toEqual(["skipped"]);
  });

  it("with the plan's hash, a state entry of other content does not skip it: it is pushed", async () => {
    const fake = new FakePlatform();
    const { files, state } = await setup("b.txt", "AAAA", "BBBB");
    const s = await pushEvidence(
      {
        files,
        scope,
        concurrency: 1,
        verify: true,
        force: false,
        expectedSha256: () => sha256("BBBB"),
      },
      { evidence: fake.evidence, storage: fake.storage, state },
    );
    expect(s.results.map((r) => [r.status, r.sha256])).toEqual([["linked", sha256("BBBB")]]);
    expect([...fake.lineage.values()].map((l) => l.evidence_id)).toEqual([sha256("BBBB")]);
  });

  it("bytes that do not hash to the planned SHA-256 are not linked", async () => {
    const fake = new FakePlatform();
    const { files } = await setup("c.txt", "AAAA", "CCCC");
    const s = await pushEvidence(
      {
        files,
        scope,
        concurrency: 1,
        verify: true,
        force: false,
        expectedSha256: () => sha256("PLANNED"),
      },
      { evidence: fake.evidence, storage: fake.storage },
    );
    expect(s.failed).toBe(1);
    expect(s.results[0]!.error).toBe(
      `the file changed since the plan (SHA-256 ${sha256("CCCC").slice(0, 12)}, planned ${sha256("PLANNED").slice(0, 12)}); it was not linked — run \`grc evidence plan\` again`,
    );
    expect(fake.lineage.size).toBe(0);
    expect(fake.calls.some((c) => c.startsWith("link"))).toBe(false);
  });
});
