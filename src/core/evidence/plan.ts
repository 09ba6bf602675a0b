import { stat } from "node:fs/promises";
import { isAbsolute, relative, sep } from "node:path";
import { type DiscoveredFile, displayPath, identityKey, type PushTarget } from "./discovery.js";
import { hashFile } from "./hashing-stream.js";
import type { StateEntry, StateScope } from "./state-store.js";

/**
 * `grc evidence plan`: decides once, per (file, target), what a push would do, without
 * sending anything. Identity is the content hash: every file is read and hashed (the push
 * state's size+mtime fast path is not trusted here), and a file counts as linked when the
 * state holds a link of the same content to the same target on the same server and org.
 *
 * - new:       no link of this path or this content to the target
 * - changed:   this path was linked to the target with other content
 * - unchanged: this content is linked to the target (from this path, or from another path:
 *              a renamed or copied file; `previous_path` names it)
 * - missing:   linked before from a path that no longer exists, content not found elsewhere
 * - error:     the file could not be read; the plan is incomplete (never "unchanged")
 *
 * The plan is a value: `apply` executes its new and changed items through the push core.
 */

/** What a plan says about one (file, target). */
export type PlanStatus = "new" | "changed" | "unchanged" | "missing" | "error";

/** One decided item. */
export interface PlanItem {
  status: PlanStatus;
  /** The path as the user sees it (relative to cwd when inside it). */
  path: string;
  abs_path: string;
  real_path: string;
  /** Size, mtime and SHA-256 seen when planning (the state's for a missing file). */
  size: number | null;
  mtime_ms: number | null;
  sha256: string | null;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  /** The snapshot this file holds, or null for a file of a rule. */
  snapshot: string | null;
  /** The rule or snapshot entry the item came from ("grc.yaml rule 2"). */
  origin: string | null;
  /** changed: the content linked before; missing: the content linked. */
  previous_sha256: string | null;
  /** unchanged by content from another path (renamed or copied): that path. */
  previous_path: string | null;
  /** From the state, when linked: where the content is stored and its lineage. */
  object_key: string | null;
  lineage_id: string | null;
  error: string | null;
}

/** Counts per status. */
export type PlanCounts = Record<PlanStatus, number>;

/** A file to plan, with where it came from. */
export interface PlanFile extends DiscoveredFile {
  origin?: string | undefined;
  snapshot?: string | undefined;
}

/** What the planner needs; reading files and the clock are injectable for tests. */
export interface PlanInput {
  files: readonly PlanFile[];
  /** The state's linked entries (any scope: the planner filters). */
  entries: readonly StateEntry[];
  scope: StateScope;
  /**
   * Folders whose vanished linked files are reported as missing, with the targets that count
   * (the config's folder and the snapshot folder, with the config's targets).
   */
  roots: readonly { dir: string; targets: readonly PushTarget[] }[];
  cwd: string;
  /** Hashes a file (default: reads it); throws when it cannot be read. */
  hash?: (file: PlanFile) => Promise<{ sha256: string; size: number; mtimeMs: number }>;
  /** True when a path exists (default: stat); a missing file is one whose stat says ENOENT. */
  exists?: (path: string) => Promise<boolean>;
}

const targetKey = (t: {
  control_id: string;
  framework_id?: string | null | undefined;
  assessment_id?: string | null | undefined;
}) => JSON.stringify([t.control_id, t.framework_id ?? null, t.assessment_id ?? null]);

/** Builds the plan: one item per input file, in input order, then the missing ones. */
export async function buildPlan(input: PlanInput): Promise<PlanItem[]> {
  const hash =
    input.hash ??
    (async (file: PlanFile) => {
      const st = await stat(file.realPath);
      const { sha256, size } = await hashFile(file.realPath, st.size);
      return { sha256, size, mtimeMs: st.mtimeMs };
    });
  const exists =
    input.exists ??
    (async (path: string) =>
      stat(path).then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code !== "ENOENT" && err.code !== "ENOTDIR",
      ));

  const inScope = input.entries.filter(
    (e) => e.base_url === input.scope.base_url && e.org_id === input.scope.org_id,
  );
  // (path, target) -> entry, and (content, target) -> entries.
  const byPath = new Map<string, StateEntry>();
  const byContent = new Map<string, StateEntry[]>();
  for (const e of inScope) {
    const t = {
      control_id: e.control_id,
      framework_id: e.framework_id,
      assessment_id: e.assessment_id,
    };
    byPath.set(identityKey(e.real_path, toTarget(t)), e);
    const k = `${e.sha256} ${targetKey(t)}`;
    byContent.set(k, [...(byContent.get(k) ?? []), e]);
  }

  const items: PlanItem[] = [];
  const present = new Set<string>();
  const contentPresent = new Set<string>();
  for (const file of input.files) {
    present.add(identityKey(file.realPath, file.target));
    const item = blankItem(file);
    try {
      const seen = await hash(file);
      Object.assign(item, { sha256: seen.sha256, size: seen.size, mtime_ms: seen.mtimeMs });
    } catch (err) {
      item.status = "error";
      item.error = readError(err);
      items.push(item);
      continue;
    }
    const sha = item.sha256!;
    contentPresent.add(`${sha} ${targetKey(file.target)}`);
    const own = byPath.get(identityKey(file.realPath, file.target));
    const same = byContent.get(`${sha} ${targetKey(file.target)}`) ?? [];
    if (own && own.sha256 === sha) {
      Object.assign(item, {
        status: "unchanged",
        object_key: own.object_key,
        lineage_id: own.lineage_id,
      });
    } else if (same.length > 0) {
      const from = same[0]!;
      Object.assign(item, {
        status: "unchanged",
        previous_path: displayPath(from.real_path, input.cwd),
        object_key: from.object_key,
        lineage_id: from.lineage_id,
      });
    } else if (own) {
      Object.assign(item, { status: "changed", previous_sha256: own.sha256 });
    } else {
      item.status = "new";
    }
    items.push(item);
  }

  // Linked before, gone now: under one of the roots, for one of its targets, and the content
  // is not present under another path (a rename is "unchanged", not "missing").
  const missing: PlanItem[] = [];
  for (const e of inScope) {
    const target = toTarget(e);
    if (present.has(identityKey(e.real_path, target))) continue;
    if (contentPresent.has(`${e.sha256} ${targetKey(target)}`)) continue;
    const root = input.roots.find(
      (r) =>
        isInside(e.real_path, r.dir) && r.targets.some((t) => targetKey(t) === targetKey(target)),
    );
    if (!root) continue;
    if (await exists(e.real_path)) continue;
    missing.push({
      status: "missing",
      path: displayPath(e.real_path, input.cwd),
      abs_path: e.real_path,
      real_path: e.real_path,
      size: e.size,
      mtime_ms: e.mtime_ms,
      sha256: e.sha256,
      control_id: e.control_id,
      framework_id: e.framework_id,
      assessment_id: e.assessment_id,
      snapshot: null,
      origin: null,
      previous_sha256: e.sha256,
      previous_path: null,
      object_key: e.object_key,
      lineage_id: e.lineage_id,
      error: null,
    });
  }
  missing.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [...items, ...missing];
}

/** Counts of each status. */
export function countPlan(items: readonly PlanItem[]): PlanCounts {
  const counts: PlanCounts = { new: 0, changed: 0, unchanged: 0, missing: 0, error: 0 };
  for (const i of items) counts[i.status] += 1;
  return counts;
}

/** True when applying the plan would send something (new or changed items). */
export function hasChanges(items: readonly PlanItem[]): boolean {
  return items.some((i) => i.status === "new" || i.status === "changed");
}

function blankItem(file: PlanFile): PlanItem {
  return {
    status: "error",
    path: file.path,
    abs_path: file.absPath,
    real_path: file.realPath,
    size: null,
    mtime_ms: null,
    sha256: null,
    control_id: file.target.control_id,
    framework_id: file.target.framework_id ?? null,
    assessment_id: file.target.assessment_id ?? null,
    snapshot: file.snapshot ?? null,
    origin: file.origin ?? null,
    previous_sha256: null,
    previous_path: null,
    object_key: null,
    lineage_id: null,
    error: null,
  };
}

function toTarget(e: {
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
}): PushTarget {
  return {
    control_id: e.control_id,
    framework_id: e.framework_id ?? undefined,
    assessment_id: e.assessment_id ?? undefined,
  };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

function readError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === "EACCES" || e.code === "EPERM"
      ? "permission denied"
      : e.code === "ENOENT"
        ? "the file disappeared"
        : e.code === "EISDIR"
          ? "not a regular file"
          : (e.code ?? e.message ?? String(err));
  return `cannot read the file: ${why}${e.code && !why.includes(e.code) ? ` (${e.code})` : ""}`;
}
