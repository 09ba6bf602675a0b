import {
  appendFileSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { discoverFiles } from "../../../../src/core/evidence/discovery.js";
import { pushEvidence } from "../../../../src/core/evidence/push.js";
import { PushState } from "../../../../src/core/evidence/state-store.js";
import { FakePlatform, sha256 } from "./fake-platform.js";

/**
 * Issue 11: a `pending` journal entry is a claim that this file's bytes were stored and
 * verified. A planted one (another object, another hash) must not be linked on its word:
 * the file is read again and must hash to the entry's SHA-256, or it is pushed afresh.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-planted-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("a planted pending entry whose hash is not the file's is not linked; the file is uploaded", async () => {
  const scope = { base_url: "http://api.test", org_id: "org-1" };
  const path = join(dir, "a.txt");
  writeFileSync(path, "the real bytes\n");
  const st = statSync(path);
  const fake = new FakePlatform();
  // An object some attacker stored earlier, under another hash.
  const planted = sha256("forged evidence\n");
  const stateFile = join(dir, "s.json");
  appendFileSync(
    `${stateFile}.journal`,
    `${JSON.stringify({
      pending: {
        real_path: realpathSync(path),
        size: st.size,
        mtime_ms: st.mtimeMs,
        sha256: planted,
        control_id: "CC6.1",
        framework_id: null,
        assessment_id: null,
        object_key: "orgs/org-1/evidence/planted/a.txt",
        base_url: scope.base_url,
        org_id: scope.org_id,
        verified: true,
        content_type: "text/plain",
        times: { upload_url_at: "a", uploaded_at: "b", verified_at: "c" },
      },
    })}\n`,
  );
  const state = await PushState.load(stateFile);
  const files = await discoverFiles(
    [{ paths: ["a.txt"], baseDir: dir, target: { control_id: "CC6.1" } }],
    { cwd: dir },
  );
  const summary = await pushEvidence(
    { files, scope, concurrency: 1, verify: true, force: false },
    { evidence: fake.evidence, storage: fake.storage, state },
  );
  await state.close();
  expect(summary.results[0]!.status).toBe("linked");
  expect(summary.results[0]!.sha256).toBe(sha256("the real bytes\n"));
  expect(fake.calls.filter((c) => c.startsWith("link"))).toHaveLength(1);
  expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(1);
  expect([...fake.lineage.values()].map((l) => (l as { evidence_id: string }).evidence_id)).toEqual(
    [sha256("the real bytes\n")],
  );
});
