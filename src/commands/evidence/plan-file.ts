import { readFile, stat } from "node:fs/promises";
import type { DiscoveredFile } from "../../core/evidence/discovery.js";
import { identityKey } from "../../core/evidence/discovery.js";
import { hashFile } from "../../core/evidence/hashing-stream.js";
import type { PlanItem } from "../../core/evidence/plan.js";
import type { StateEntry } from "../../core/evidence/state-store.js";
import { UsageError } from "../../errors.js";
import type { PlanDocument } from "./plan-build.js";

const STATUSES = new Set(["new", "changed", "unchanged", "missing", "error"]);

/** Reads a saved plan; anything that is not one is a one-line UsageError. */
export async function loadPlanFile(file: string): Promise<PlanDocument> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `plan file not found: ${file}` : `cannot read plan file ${file}: ${code}`,
      "save one with `grc evidence plan --out FILE`",
    );
  }
  let doc: Partial<PlanDocument>;
  try {
    doc = JSON.parse(text) as Partial<PlanDocument>;
  } catch {
    throw new UsageError(
      `plan file ${file} is not JSON`,
      "save one with `grc evidence plan --out FILE`",
    );
  }
  const ok =
    doc &&
    doc.grc_plan === 1 &&
    typeof doc.base_url === "string" &&
    typeof doc.org_id === "string" &&
    typeof doc.state_file === "string" &&
    Array.isArray(doc.items) &&
    doc.items.every(
      (i) =>
        i &&
        typeof i === "object" &&
        STATUSES.has(i.status) &&
        typeof i.path === "string" &&
        typeof i.real_path === "string" &&
        typeof i.control_id === "string" &&
        (i.status === "error" || typeof i.sha256 === "string"),
    );
  if (!ok) {
    throw new UsageError(
      `plan file ${file} is not a grc plan (grc_plan 1)`,
      "save one with `grc evidence plan --out FILE`",
    );
  }
  return doc as PlanDocument;
}

/** The size and mtime of each planned file now; refuses when any differs in content. */
export async function checkPlanFiles(
  plan: PlanDocument,
  label: string,
): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const now = new Map<string, { size: number; mtimeMs: number }>();
  for (const item of plan.items) {
    if (item.status === "missing" || item.status === "error" || now.has(item.real_path)) continue;
    let sha: string;
    let st: { size: number; mtimeMs: number };
    try {
      const s = await stat(item.real_path);
      st = { size: s.size, mtimeMs: s.mtimeMs };
      sha = (await hashFile(item.real_path, s.size)).sha256;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new UsageError(
        `${item.path} changed since the plan ${label} (${code === "ENOENT" ? "it is gone" : `cannot read it: ${code}`}); nothing was sent`,
        "run `grc evidence plan` again",
      );
    }
    if (sha !== item.sha256) {
      throw new UsageError(
        `${item.path} changed since the plan ${label} (SHA-256 ${sha.slice(0, 12)}, planned ${item.sha256!.slice(0, 12)}); nothing was sent`,
        "run `grc evidence plan` again",
      );
    }
    now.set(item.real_path, st);
  }
  return now;
}

/**
 * What apply executes: the new and changed items as files for the push core, the SHA-256
 * each must have, and the state entries of unchanged content found under another path.
 */
export function applyInputs(
  plan: PlanDocument,
  current?: Map<string, { size: number; mtimeMs: number }>,
  now: Date = new Date(),
): {
  files: DiscoveredFile[];
  expected: (file: DiscoveredFile) => string | undefined;
  adopt: StateEntry[];
} {
  const statOf = (i: PlanItem) =>
    current?.get(i.real_path) ?? { size: i.size ?? 0, mtimeMs: i.mtime_ms ?? 0 };
  const target = (i: PlanItem) => ({
    control_id: i.control_id,
    framework_id: i.framework_id ?? undefined,
    assessment_id: i.assessment_id ?? undefined,
  });
  const want = new Map<string, string>();
  const files: DiscoveredFile[] = [];
  const adopt: StateEntry[] = [];
  const linkedAt = now.toISOString();
  for (const item of plan.items) {
    const st = statOf(item);
    if (item.status === "new" || item.status === "changed") {
      const file: DiscoveredFile = {
        path: item.path,
        absPath: item.abs_path,
        realPath: item.real_path,
        size: st.size,
        mtimeMs: st.mtimeMs,
        target: target(item),
      };
      files.push(file);
      want.set(identityKey(file.realPath, file.target), item.sha256!);
    } else if (
      item.status === "unchanged" &&
      item.previous_path &&
      item.object_key &&
      item.lineage_id
    ) {
      adopt.push({
        real_path: item.real_path,
        size: st.size,
        mtime_ms: st.mtimeMs,
        sha256: item.sha256!,
        control_id: item.control_id,
        framework_id: item.framework_id,
        assessment_id: item.assessment_id,
        object_key: item.object_key,
        lineage_id: item.lineage_id,
        base_url: plan.base_url,
        org_id: plan.org_id,
        linked_at: linkedAt,
      });
    }
  }
  return {
    files,
    expected: (file) => want.get(identityKey(file.realPath, file.target)),
    adopt,
  };
}
