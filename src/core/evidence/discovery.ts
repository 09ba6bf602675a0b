import { realpathSync, statSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import fg from "fast-glob";
import { InterruptedError, UsageError } from "../../errors.js";

/** Where a file's evidence goes: the control and, optionally, framework and assessment. */
export interface PushTarget {
  control_id: string;
  framework_id?: string | undefined;
  assessment_id?: string | undefined;
}

/** A group of paths that go to one target (the command line, or one rule of a map file). */
export interface DiscoveryRule {
  /** Files, directories (walked recursively) or fast-glob patterns. */
  paths: readonly string[];
  target: PushTarget;
  /** Folder relative paths and patterns resolve against (cwd, or the map file's folder). */
  baseDir: string;
  /** Where the rule came from, for error messages ("map.yaml rule 2"). */
  origin?: string | undefined;
}

/** How folders and patterns are walked. */
export interface DiscoveryOptions {
  /** The user's working directory: display paths are relative to it when inside it. */
  cwd: string;
  /** Globs a file found in a folder must match (a pattern without "/" matches the file name). */
  include?: readonly string[] | undefined;
  /** Globs that drop files found in folders or by patterns. */
  exclude?: readonly string[] | undefined;
  /** Also push dot files and walk dot folders. */
  hidden?: boolean | undefined;
  /** Walk into symlinked folders (symlinked files are always pushed). */
  followSymlinks?: boolean | undefined;
  /**
   * Told about entries passed over: not regular files (sockets, FIFOs, devices), broken
   * symlinks, and symlinks that lead back to a folder on their own path ("symlink loop ...").
   */
  onSkip?: ((path: string, why: string) => void) | undefined;
  /** Aborting stops the walk (InterruptedError). */
  signal?: AbortSignal | undefined;
}

/** One file to push, found once, with the size and mtime it had when it was found. */
export interface DiscoveredFile {
  /** The path as the user sees it (relative to cwd when inside it). */
  path: string;
  absPath: string;
  /** Canonical path: the identity used to push each file once and to key the state. */
  realPath: string;
  size: number;
  mtimeMs: number;
  target: PushTarget;
  /** The folder of the rule that found it (`--shard` hashes the path relative to it). */
  ruleBase?: string | undefined;
}

/**
 * Expands rules into the list of files to push: each (file, target) once, in a stable order
 * (rule order, then path order). Throws UsageError for a path that does not exist, a folder
 * or pattern that yields no file, or a folder that cannot be read.
 */
export async function discoverFiles(
  rules: readonly DiscoveryRule[],
  options: DiscoveryOptions,
): Promise<DiscoveredFile[]> {
  const seen = new Set<string>();
  const out: DiscoveredFile[] = [];
  for (const rule of rules) {
    for (const given of rule.paths) {
      if (options.signal?.aborted) {
        throw new InterruptedError("Interrupted while looking for files");
      }
      const found = await expandPath(given, rule, options);
      for (const file of found) {
        const key = identityKey(file.realPath, rule.target);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ ...file, target: rule.target, ruleBase: rule.baseDir });
      }
    }
  }
  return out;
}

/** The dedupe and state identity of a (file, target) pair. */
export function identityKey(realPath: string, target: PushTarget): string {
  return JSON.stringify([
    realPath,
    target.control_id,
    target.framework_id ?? null,
    target.assessment_id ?? null,
  ]);
}

type Found = Omit<DiscoveredFile, "target">;

async function expandPath(
  given: string,
  rule: DiscoveryRule,
  options: DiscoveryOptions,
): Promise<Found[]> {
  const where = rule.origin ? ` (${rule.origin})` : "";
  const abs = resolve(rule.baseDir, given);
  const st = await stat(abs).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) {
    if (st.code === "ENOENT" || st.code === "ENOTDIR") {
      if (fg.isDynamicPattern(toPosix(given))) return expandPattern(given, rule, options, where);
      throw new UsageError(
        `path not found: ${given}${where}`,
        "check the path; quote glob patterns so the shell does not expand them",
      );
    }
    throw new UsageError(`cannot read ${given}${where}: ${st.code ?? st.message}`, permissionHint);
  }
  if (st.isFile()) {
    // A file named on its own is always pushed: hidden or not, --include or not.
    return [found(abs, options.cwd)];
  }
  if (st.isDirectory()) {
    const files = await walkFolder(abs, options, `${given}${where}`, []);
    if (files.length === 0) {
      throw new UsageError(`no files to push in folder ${given}${where}`, emptyHint(options));
    }
    return files;
  }
  throw new UsageError(`not a regular file or folder: ${given}${where}`, "name files or folders");
}

const permissionHint = "check the file permissions";

function emptyHint(options: DiscoveryOptions): string {
  const parts = [];
  if (!options.hidden) parts.push("hidden files are skipped unless --hidden");
  if (!options.followSymlinks) parts.push("symlinked folders unless --follow-symlinks");
  if (options.include?.length || options.exclude?.length) parts.push("check --include/--exclude");
  return parts.length ? parts.join("; ") : "add files or name another folder";
}

/**
 * Walks a folder recursively, applying --include/--exclude, hidden and symlink rules.
 * fast-glob never follows symlinks itself: with --follow-symlinks each symlinked folder is
 * walked here, unless it leads back to a folder on its own path (device and inode, as
 * `find -L` checks), which is a loop: reported once through onSkip, not walked.
 */
async function walkFolder(
  dir: string,
  options: DiscoveryOptions,
  label: string,
  /** "dev:ino" of the folders from the walk's root down to (not including) `dir`. */
  ancestors: readonly string[],
): Promise<Found[]> {
  if (options.signal?.aborted) throw new InterruptedError("Interrupted while looking for files");
  // "**/*", not "**": fast-glob's globstar never matches a name holding a line break (legal
  // on Linux and macOS), its "*" does.
  const entries = await glob(options.include?.length ? [...options.include] : ["**/*"], {
    cwd: dir,
    options,
    label,
  });
  // Without --include, fast-glob's walk never steps through a symlinked folder, so a regular
  // file's canonical path is the folder's followed by the entry's: one realpath per walk.
  const realDir = options.include?.length ? undefined : realpathSync.native(dir);
  const files = await collect(entries, dir, options, realDir);
  const path = [...ancestors, await folderId(dir)];
  // Nor does the globstar walk into a folder whose name holds a line break: walk it on its own.
  for (const entry of entries) {
    if (entry.dirent.isDirectory() && /[\r\n]/.test(entry.path)) {
      const sub = resolve(dir, entry.path);
      const between = await idsBetween(dir, entry.path);
      files.push(
        ...(await walkFolder(sub, options, `${label}/${entry.path}`, [...path, ...between])),
      );
    }
  }
  if (!options.followSymlinks) return files;
  for (const entry of entries) {
    if (!entry.dirent.isSymbolicLink()) continue;
    const link = resolve(dir, entry.path);
    const target = await stat(link).catch(() => undefined);
    if (!target?.isDirectory()) continue;
    const id = `${target.dev}:${target.ino}`;
    const onPath = [...path, ...(await idsBetween(dir, dirname(entry.path)))];
    if (onPath.includes(id)) {
      const to = await realpath(link).catch(() => link);
      options.onSkip?.(
        displayPath(link, options.cwd),
        `symlink loop (leads back to ${displayPath(to, options.cwd)}); not followed`,
      );
      continue;
    }
    files.push(...(await walkFolder(link, options, `${label}/${entry.path}`, onPath)));
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** "dev:ino" of a folder. */
async function folderId(dir: string): Promise<string> {
  const st = await stat(dir);
  return `${st.dev}:${st.ino}`;
}

/** "dev:ino" of each folder from `root` down to `root/rel` (excluding root, including rel). */
async function idsBetween(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  if (rel === "." || rel === "") return out;
  let at = root;
  for (const part of rel.split("/")) {
    at = join(at, part);
    out.push(await folderId(at));
  }
  return out;
}

/** Expands a fast-glob pattern (relative to the rule's folder); --exclude applies. */
async function expandPattern(
  pattern: string,
  rule: DiscoveryRule,
  options: DiscoveryOptions,
  where: string,
): Promise<Found[]> {
  const entries = await glob([toPosix(pattern)], {
    cwd: rule.baseDir,
    options,
    label: `${pattern}${where}`,
  });
  const files = await collect(entries, rule.baseDir, options);
  if (files.length === 0) {
    throw new UsageError(`no files match the pattern ${pattern}${where}`, emptyHint(options));
  }
  return files;
}

async function glob(
  patterns: string[],
  ctx: { cwd: string; options: DiscoveryOptions; label: string },
): Promise<fg.Entry[]> {
  try {
    return await fg(patterns, {
      cwd: ctx.cwd,
      dot: Boolean(ctx.options.hidden),
      // Never followed by fast-glob (it has no loop detection): walkFolder follows symlinked
      // folders itself. Symlinks come back as entries of their own so a symlinked folder can
      // be told apart from a symlinked file (pushed).
      followSymbolicLinks: false,
      onlyFiles: false,
      objectMode: true,
      // "*.csv" matches files at any depth, like .gitignore.
      baseNameMatch: true,
      ignore: [...(ctx.options.exclude ?? [])],
      suppressErrors: false,
      unique: true,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `cannot read folder ${ctx.label}: ${e.code ?? e.message}${e.path ? ` (${e.path})` : ""}`,
      permissionHint,
    );
  }
}

/**
 * Files among fast-glob's entries, sorted by path. `realBase`: the canonical path of `base`
 * when no entry's path goes through a symlink (a plain folder walk).
 */
async function collect(
  entries: fg.Entry[],
  base: string,
  options: DiscoveryOptions,
  realBase?: string,
): Promise<Found[]> {
  const out: Found[] = [];
  for (const entry of entries) {
    const abs = resolve(base, entry.path);
    if (entry.dirent.isDirectory()) continue;
    if (entry.dirent.isFile()) {
      out.push(found(abs, options.cwd, realBase && resolve(realBase, entry.path)));
      continue;
    }
    if (entry.dirent.isSymbolicLink()) {
      const target = await stat(abs).catch(() => undefined);
      if (target?.isFile()) out.push(found(abs, options.cwd));
      else if (!target) options.onSkip?.(displayPath(abs, options.cwd), "broken symlink");
      // A symlinked folder: walked by walkFolder with --follow-symlinks.
      continue;
    }
    options.onSkip?.(displayPath(abs, options.cwd), "not a regular file");
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

/**
 * A file's canonical path (`real` when the caller knows it), size and mtime. Synchronous on
 * purpose: from the kernel's caches a realpath and a stat take microseconds each, where the
 * asynchronous calls cost a thread-pool round trip each, one file after the other (a folder
 * of 2,000 files kept the first upload waiting for 4,000 of them).
 */
function found(abs: string, cwd: string, real = realpathSync.native(abs)): Found {
  const st = statSync(real);
  return {
    path: displayPath(abs, cwd),
    absPath: abs,
    realPath: real,
    size: st.size,
    mtimeMs: st.mtimeMs,
  };
}

/** A path relative to cwd when it is inside cwd, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  if (rel && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel)) return rel;
  return abs;
}

function toPosix(p: string): string {
  return sep === "\\" ? p.replaceAll("\\", "/") : p;
}

/** The file name sent as `filename` in the upload-url request. */
export function uploadFilename(path: string): string {
  return basename(path);
}
