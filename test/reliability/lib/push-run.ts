import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { DEFAULT_RETRY_BUDGET, RETRY_REFUND_PER_SUCCESS } from "../../../src/http/retry-budget.js";
import type { MockStateSnapshot } from "../../helpers/mock.js";

/**
 * What the reliability push tests share: a folder of distinct small files whose SHA-256 we
 * know, and the checks that prove, on the mock's own state, that every file was stored
 * intact and linked exactly once, within the retry budget.
 */

/** One local file of a generated folder. */
export interface LocalFile {
  name: string;
  sha256: string;
}

/** SHA-256 in hex. */
export const sha256 = (data: string | Buffer): string =>
  createHash("sha256").update(data).digest("hex");

/** Writes `n` distinct files (about 200-400 bytes each) under root/name. */
export function makeFolder(
  root: string,
  name: string,
  n: number,
): { dir: string; files: LocalFile[] } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const files: LocalFile[] = [];
  for (let i = 0; i < n; i++) {
    const fileName = `f${String(i).padStart(4, "0")}.txt`;
    const content = `${name} evidence ${i}\n`.repeat(10 + (i % 13));
    writeFileSync(join(dir, fileName), content);
    files.push({ name: fileName, sha256: sha256(content) });
  }
  return { dir, files };
}

/** A lineage row as the mock's state lists it. */
export interface Lineage {
  lineage_id: string;
  evidence_id: string;
  control_id: string;
  object_key: string;
}

/** Faults that make the client repeat a request (a `slow` answer still succeeds). */
const REPEATING_FAULTS = new Set(["429", "500", "503", "reset", "expire"]);

/** Requests per origin, split into answered-normally and faulted-and-repeated. */
export interface RequestTally {
  api: { total: number; faulted: number; ok: number };
  storage: { total: number; faulted: number; ok: number };
}

/** Counts the request log per origin. */
export function tally(state: MockStateSnapshot): RequestTally {
  const out: RequestTally = {
    api: { total: 0, faulted: 0, ok: 0 },
    storage: { total: 0, faulted: 0, ok: 0 },
  };
  for (const q of state.requests) {
    const t = out[q.origin];
    t.total += 1;
    if (q.fault && REPEATING_FAULTS.has(q.fault)) t.faulted += 1;
    else if (q.status >= 200 && q.status < 300) t.ok += 1;
  }
  return out;
}

/** The client's retry budget per client, and what each success earns back (the product's values). */
export { DEFAULT_RETRY_BUDGET as RETRY_BUDGET, RETRY_REFUND_PER_SUCCESS };

/**
 * The request bound of a push of `n` files with verify on, no refreshes: each file costs
 * exactly 3 API requests (upload-url, verify, link) and 1 PUT when nothing fails, and every
 * extra request is a retry, which the client may spend at most `budget` of per origin plus
 * what its successes earned back (RETRY_REFUND_PER_SUCCESS each, when `tally` is given).
 */
export function requestBound(
  n: number,
  budget: number,
  t?: RequestTally,
): { api: number; storage: number } {
  const earned = (ok: number) => Math.floor(RETRY_REFUND_PER_SUCCESS * ok);
  return {
    api: 3 * n + budget + earned(t?.api.ok ?? 0),
    storage: n + budget + earned(t?.storage.ok ?? 0),
  };
}

/**
 * Asserts on the mock's state that each file is linked exactly once to `control`, that the
 * lineage points at a stored object whose SHA-256 is the local file's, and that no object
 * is stored for content we never had.
 */
export function expectEveryFileLinkedOnce(
  state: MockStateSnapshot,
  files: LocalFile[],
  control: string,
): void {
  const rows = (state.lineage as Lineage[]).filter((l) => l.control_id === control);
  const perSha = new Map<string, number>();
  for (const r of rows) perSha.set(r.evidence_id, (perSha.get(r.evidence_id) ?? 0) + 1);
  const missing = files.filter((f) => perSha.get(f.sha256) !== 1).map((f) => f.name);
  expect(missing, "files without exactly one lineage row").toEqual([]);
  expect(rows).toHaveLength(files.length);
  const objects = new Map(state.objects.map((o) => [o.object_key, o.sha256]));
  const bad = rows.filter((r) => objects.get(r.object_key) !== r.evidence_id);
  expect(bad, "lineage rows whose stored object has another SHA-256").toEqual([]);
  const local = new Set(files.map((f) => f.sha256));
  expect(state.objects.filter((o) => !local.has(o.sha256))).toEqual([]);
}

/** The file name at the end of a storage PUT path (/grc-evidence/orgs/O/evidence/UUID/NAME). */
export function putFileName(path: string): string {
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}
