import { resolve } from "node:path";
import type { CommandContext } from "../../cli/command.js";
import { stateFilePath } from "../../core/config/paths.js";
import { type DiscoveredFile, discoverFiles, identityKey } from "../../core/evidence/discovery.js";
import { loadEvidenceConfig } from "../../core/evidence/map-file.js";
import {
  buildPlan,
  countPlan,
  type PlanCounts,
  type PlanFile,
  type PlanItem,
} from "../../core/evidence/plan.js";
import {
  formatShard,
  parseShard,
  selectShard,
  shardOfKey,
  shardStatePath,
} from "../../core/evidence/shard.js";
import { PushState } from "../../core/evidence/state-store.js";
import { profileContext } from "./profile-context.js";
import { pushScope } from "./run-push.js";
import { captureConfigSnapshot, defaultSnapshotDir, snapshotFiles } from "./snapshot-capture.js";

/** A plan as `grc evidence plan --json|--out` writes it and `grc evidence apply --plan` reads it. */
export interface PlanDocument {
  grc_plan: 1;
  created_at: string;
  /** The config the plan was made from, and the SHA-256 of its bytes. */
  config: { path: string; sha256: string };
  base_url: string;
  org_id: string;
  profile: string;
  state_file: string;
  snapshot_dir: string;
  /** The shard the plan covers ("2/4"), or null for every file. */
  shard: string | null;
  counts: PlanCounts;
  /** Items a push would send (new + changed). */
  changes: number;
  items: PlanItem[];
}

/** Flags plan and apply share. */
export interface PlanFlags {
  config?: string;
  state?: string;
  snapshotDir?: string;
  hidden?: boolean;
  followSymlinks?: boolean;
  /** `--shard i/n` as typed: plan (and apply) only this shard's files and snapshots. */
  shard?: string;
}

/** Reads grc.yaml, finds its files, takes its snapshots, and decides each item against the state. */
export async function makePlan(ctx: CommandContext, flags: PlanFlags): Promise<PlanDocument> {
  const cwd = ctx.cwd;
  const config = await loadEvidenceConfig(flags.config ?? "grc.yaml", cwd);
  const scope = await pushScope(ctx);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard, ctx.env);
  const defaultState = stateFilePath(ctx.env, scope.profile);
  // Each shard keeps its own state file by default, as `evidence push --shard` does.
  const stateFile = resolve(
    cwd,
    flags.state ?? (shard ? shardStatePath(defaultState, shard) : defaultState),
  );
  const snapshotDir = flags.snapshotDir
    ? resolve(cwd, flags.snapshotDir)
    : defaultSnapshotDir(ctx.env, scope.profile);

  // Rule by rule, so each file carries the rule it came from; each (file, target) once.
  const files: PlanFile[] = [];
  const seen = new Set<string>();
  for (const rule of config.rules) {
    const found: DiscoveredFile[] = await discoverFiles([rule], {
      cwd,
      hidden: flags.hidden,
      followSymlinks: flags.followSymlinks,
      onSkip: (path, why) => ctx.debug(`skipped ${path}: ${why}`),
    });
    for (const f of shard ? selectShard(found, shard, cwd) : found) {
      const key = identityKey(f.realPath, f.target);
      if (seen.has(key)) continue;
      seen.add(key);
      files.push({ ...f, origin: rule.origin });
    }
  }
  // A snapshot belongs to one shard (by its name), so n shards never fetch and write the
  // same snapshot file at once.
  const snapshots = shard
    ? config.snapshots.filter((s) => shardOfKey(`snapshots/${s.name}`, shard.count) === shard.index)
    : config.snapshots;
  for (const spec of snapshots) {
    const other = spec.profile ? profileContext(ctx, spec.profile) : undefined;
    try {
      const written = await captureConfigSnapshot(other ?? ctx, spec, snapshotDir);
      ctx.debug(
        `snapshot ${spec.name}: ${written.document.count} record(s), ${written.written ? "written" : "unchanged"}`,
      );
      files.push(
        ...(await snapshotFiles(written, spec.targets, cwd, {
          origin: spec.origin,
          snapshot: spec.name,
        })),
      );
    } finally {
      await other?.dispose();
    }
  }

  // Read and let go: a plan writes nothing, and apply takes the state's lock again to push.
  const state = await PushState.load(stateFile);
  let entries: ReturnType<PushState["linkedEntries"]>;
  try {
    entries = state.linkedEntries();
  } finally {
    state.unlock();
  }
  const items = await buildPlan({
    files,
    entries,
    scope,
    cwd,
    roots: [
      { dir: config.baseDir, targets: config.rules.map((r) => r.target) },
      { dir: snapshotDir, targets: config.snapshots.flatMap((s) => s.targets) },
    ],
  });
  const counts = countPlan(items);
  return {
    grc_plan: 1,
    created_at: ctx.now().toISOString(),
    config: { path: config.path, sha256: config.sha256 },
    base_url: scope.base_url,
    org_id: scope.org_id,
    profile: scope.profile,
    state_file: stateFile,
    snapshot_dir: snapshotDir,
    shard: shard ? formatShard(shard) : null,
    counts,
    changes: counts.new + counts.changed,
    items,
  };
}
