import { createHash } from "node:crypto";
import { isAbsolute, relative, sep } from "node:path";
import { UsageError } from "../../errors.js";

/**
 * Sharding splits one corpus between n processes (a Kubernetes Indexed Job, a CI matrix,
 * GitLab `parallel:`) without a coordinator: every process discovers the same files and keeps
 * those whose shard number is its own. A file's shard is
 *
 *   1 + (first 4 bytes of SHA-256(key), big-endian unsigned) mod n
 *
 * where the key is the file's path relative to the folder of the rule that found it (the
 * working directory for paths on the command line, the map file's folder for map rules),
 * UTF-8, with "/" separators. So the split is the same on every machine that sees the same
 * layout, whatever its working directory or mount point, and the n shards are disjoint and
 * together hold every file. Shards are numbered from 1, like Jest's and Playwright's
 * `--shard 1/4` and GitLab's CI_NODE_INDEX.
 */

/** One shard of n: `index` from 1 to `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Largest n accepted: more processes than this over one corpus is a mistake, not a plan. */
export const MAX_SHARDS = 10_000;

const hint =
  "use --shard i/n with 1 <= i <= n (e.g. --shard 2/4), or --shard auto in GitLab parallel: jobs";

/**
 * Parses `--shard`: "i/n" (1-based), "auto" (GitLab's CI_NODE_INDEX/CI_NODE_TOTAL) or
 * "auto/n" (the index from CI_NODE_INDEX, else Kubernetes' 0-based JOB_COMPLETION_INDEX).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = {}): Shard {
  const value = text.trim();
  const auto = /^auto(?:\/(.*))?$/.exec(value);
  if (auto) return autoShard(auto[1], env);
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--shard "${text}" is not i/n`, hint);
  return checked(Number(m[1]), Number(m[2]), `--shard "${text}"`);
}

function checked(index: number, count: number, what: string): Shard {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new UsageError(`${what}: the number of shards must be from 1 to ${MAX_SHARDS}`, hint);
  }
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    throw new UsageError(
      `${what}: the shard number must be from 1 to ${count} (shards count from 1)`,
      hint,
    );
  }
  return { index, count };
}

function whole(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

function autoShard(countText: string | undefined, env: NodeJS.ProcessEnv): Shard {
  const given = countText === undefined ? undefined : whole(countText);
  if (countText !== undefined && given === undefined) {
    throw new UsageError(`--shard "auto/${countText}": the number of shards is not a number`, hint);
  }
  const gitlabIndex = whole(env.CI_NODE_INDEX);
  const gitlabTotal = whole(env.CI_NODE_TOTAL);
  if (gitlabIndex !== undefined) {
    const count = given ?? gitlabTotal;
    if (count === undefined) {
      throw new UsageError("--shard auto: CI_NODE_INDEX is set but CI_NODE_TOTAL is not", hint);
    }
    if (given !== undefined && gitlabTotal !== undefined && given !== gitlabTotal) {
      throw new UsageError(
        `--shard auto/${given} disagrees with CI_NODE_TOTAL=${gitlabTotal}`,
        "drop the /n or make it match parallel:",
      );
    }
    return checked(gitlabIndex, count, `--shard auto (CI_NODE_INDEX=${gitlabIndex})`);
  }
  const k8sIndex = whole(env.JOB_COMPLETION_INDEX);
  if (k8sIndex !== undefined) {
    if (given === undefined) {
      throw new UsageError(
        "--shard auto: JOB_COMPLETION_INDEX is set but the number of shards is not",
        "pass --shard auto/N with N the Job's completions",
      );
    }
    return checked(k8sIndex + 1, given, `--shard auto (JOB_COMPLETION_INDEX=${k8sIndex})`);
  }
  throw new UsageError(
    "--shard auto found neither CI_NODE_INDEX/CI_NODE_TOTAL (GitLab parallel:) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job)",
    "pass --shard i/n",
  );
}

/** The text of a shard as the user writes it ("2/4"). */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The key a file is hashed by: its path relative to its rule's folder, with "/" separators. */
export function shardKey(absPath: string, ruleBase: string): string {
  const rel = relative(ruleBase, absPath);
  const key = isAbsolute(rel) ? absPath : rel;
  return sep === "\\" ? key.replaceAll("\\", "/") : key;
}

/** The shard (1 to count) a key belongs to. */
export function shardOfKey(key: string, count: number): number {
  const digest = createHash("sha256").update(key, "utf8").digest();
  return 1 + (digest.readUInt32BE(0) % count);
}

/**
 * Keeps the files of one shard, in their order. Each file names the folder of the rule that
 * found it (`ruleBase`); a file without one is keyed relative to `fallbackBase` (the cwd).
 */
export function selectShard<F extends { absPath: string; ruleBase?: string | undefined }>(
  files: readonly F[],
  shard: Shard,
  fallbackBase: string,
): F[] {
  if (shard.count === 1) return [...files];
  return files.filter(
    (f) => shardOfKey(shardKey(f.absPath, f.ruleBase ?? fallbackBase), shard.count) === shard.index,
  );
}

/**
 * The state file of a shard: `<name>.shard-<i>-of-<n>.json` beside the profile's default
 * `<name>.json`, so shards never rewrite each other's snapshot.
 */
export function shardStatePath(defaultPath: string, shard: Shard): string {
  if (shard.count === 1) return defaultPath;
  const stem = defaultPath.endsWith(".json") ? defaultPath.slice(0, -5) : defaultPath;
  return `${stem}.shard-${shard.index}-of-${shard.count}.json`;
}
