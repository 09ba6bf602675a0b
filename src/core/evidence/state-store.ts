import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ExitCode, GrcError, UsageError } from "../../errors.js";
import type { PushTarget } from "./discovery.js";

/**
 * The push state remembers which (file, size, mtime, target) is already linked, so a cron job
 * over a growing folder uploads only what is new, and a killed run resumes where it stopped.
 *
 * Two files: a snapshot (`state.json`, replaced atomically by temp file + rename at the end of
 * a run) and a journal beside it (`state.json.journal`, one JSON line appended per event as it
 * happens, synchronously). A run killed at any moment, even by SIGKILL, leaves the snapshot of the previous
 * run plus every journal line written so far; the next load replays them (a line torn by the
 * kill is ignored) and the next clean end folds them into a new snapshot. Appending a line
 * costs the same with 10 or 100,000 entries, so every event is written at once, not batched.
 *
 * Besides "linked", the journal holds "pending" entries: a file uploaded and verified whose
 * link-to-control was about to be sent. A rerun links such a file from its recorded object
 * key instead of uploading it again (the link is idempotent), after reading the file again
 * and checking its SHA-256 against the entry (a planted entry is never linked on its word).
 *
 * The files are grc's own: a state file or journal that is a symlink, not a regular file,
 * or owned by another user is refused (O_NOFOLLOW, fstat). One run at a time holds
 * `state.json.lock` (created with O_EXCL, holding pid and host); a second run waits up to
 * STATE_LOCK_WAIT_MS, then stops with one line. A lock whose process is gone (same host)
 * is stale and taken over.
 */

/** What the state holds for one linked (file, target) on one server and organization. */
export interface StateEntry {
  real_path: string;
  size: number;
  mtime_ms: number;
  sha256: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  object_key: string;
  lineage_id: string;
  base_url: string;
  org_id: string;
  linked_at: string;
}

/** A file stored (and verified) whose link may or may not have happened. */
export interface PendingEntry extends Omit<StateEntry, "lineage_id" | "linked_at"> {
  verified: boolean;
  content_type: string;
  times: { upload_url_at: string; uploaded_at: string; verified_at: string | null };
}

/** The server and organization a run pushes to: a state entry only counts for the same one. */
export interface StateScope {
  base_url: string;
  org_id: string;
}

interface StateFile {
  version: 1;
  entries: StateEntry[];
  pending?: PendingEntry[];
}

type JournalLine = { linked: StateEntry } | { pending: PendingEntry };

/** Kept for callers that pass a batching interval: the journal writes every event at once. */
export const STATE_WRITE_INTERVAL_MS = 0;

/** How long a run waits for another run's lock on the same state file. */
export const STATE_LOCK_WAIT_MS = 30_000;

/** Options of PushState.load. */
export interface StateLoadOptions {
  /** Wait this long for another run's lock (default STATE_LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

/** Another run holds the state file's lock (exit 4: try again when it is done). */
export class StateBusyError extends GrcError {
  constructor(message: string, hint: string) {
    super(message, ExitCode.unavailable, hint);
  }
}

/** The state of one profile: loaded once, journaled as files finish, compacted at the end. */
export class PushState {
  private readonly entries = new Map<string, StateEntry>();
  private readonly pending = new Map<string, PendingEntry>();
  /** The journal's file descriptor, opened on the first event. */
  private fd: number | undefined;
  private writeError: Error | undefined;
  private changed = false;
  private locked = false;

  private constructor(readonly file: string) {}

  /** The journal file beside a state file. */
  static journalPath(file: string): string {
    return `${file}.journal`;
  }

  /**
   * Loads a state file and replays its journal; a missing file is an empty state, a broken
   * snapshot a UsageError. The interval argument is accepted for compatibility and unused.
   */
  static async load(file: string, options: StateLoadOptions | number = {}): Promise<PushState> {
    const opts = typeof options === "number" ? {} : options;
    const state = new PushState(file);
    await acquireLock(file, opts.lockWaitMs ?? STATE_LOCK_WAIT_MS);
    state.locked = true;
    try {
      const text = readOwnFile(file, "state file");
      if (text !== undefined) {
        const doc = parseStateFile(text, file);
        for (const entry of doc.entries) state.entries.set(stateKey(entry), entry);
        for (const entry of doc.pending ?? []) state.pending.set(stateKey(entry), entry);
      }
      const journal = readOwnFile(PushState.journalPath(file), "state journal");
      if (journal !== undefined) {
        for (const line of journal.split("\n")) state.replay(line);
        state.changed = true;
      }
    } catch (err) {
      state.unlock();
      throw err;
    }
    return state;
  }

  /** Every linked entry (`grc evidence plan` matches them by content hash). */
  linkedEntries(): StateEntry[] {
    return [...this.entries.values()];
  }

  /** Releases the run's lock (close does it; idempotent). */
  unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    try {
      rmSync(lockPath(this.file), { force: true });
    } catch {
      // The folder is gone or replaced: no lock left to remove.
    }
  }

  /** Number of linked entries held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The entry proving this file was linked to this target on this server, when the file
   * still has the size and mtime it had then (no hashing: that is the point).
   */
  lookup(
    file: { realPath: string; size: number; mtimeMs: number },
    target: PushTarget,
    scope: StateScope,
  ): StateEntry | undefined {
    const entry = this.entries.get(keyOf(file.realPath, target, scope));
    return entry && unchanged(entry, file) ? entry : undefined;
  }

  /** A stored, verified, maybe-linked upload of this unchanged file (see the class comment). */
  lookupPending(
    file: { realPath: string; size: number; mtimeMs: number },
    target: PushTarget,
    scope: StateScope,
  ): PendingEntry | undefined {
    const entry = this.pending.get(keyOf(file.realPath, target, scope));
    return entry && unchanged(entry, file) ? entry : undefined;
  }

  /** Records a linked file (journaled at once; never throws, `close` reports write errors). */
  record(entry: StateEntry): void {
    const key = stateKey(entry);
    this.entries.set(key, entry);
    this.pending.delete(key);
    void this.append({ linked: entry });
  }

  /**
   * Records an upload about to be linked; resolves once the line is written, so a kill
   * during the link still leaves the rerun enough to link without uploading again.
   */
  recordPending(entry: PendingEntry): Promise<void> {
    this.pending.set(stateKey(entry), entry);
    return this.append({ pending: entry });
  }

  /** Every journal line is written when it is recorded; kept for callers that wait. */
  async flush(): Promise<void> {}

  /**
   * Folds everything into a new snapshot (temp file + rename) and removes the journal.
   * Throws a UsageError when any write of the run failed: the user must know.
   */
  async close(): Promise<void> {
    try {
      await this.closeFiles();
    } finally {
      this.unlock();
    }
  }

  private async closeFiles(): Promise<void> {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed: nothing left to write
      }
      this.fd = undefined;
    }
    if (this.changed && !this.writeError) {
      try {
        await this.writeSnapshot();
        await rm(PushState.journalPath(this.file), { force: true });
      } catch (err) {
        this.writeError ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (this.writeError) {
      if (this.writeError instanceof GrcError) throw this.writeError;
      const e = this.writeError as NodeJS.ErrnoException;
      throw new UsageError(
        `cannot write state file ${this.file}: ${e.code ?? e.message}`,
        stateHint,
      );
    }
  }

  /**
   * Appends one line, synchronously: a line of a few hundred bytes to a local file costs
   * microseconds, while an async write costs a thread-pool round trip per event; and a
   * line is on disk (in the page cache, which survives SIGKILL) before the caller goes on.
   */
  private append(line: JournalLine): Promise<void> {
    this.changed = true;
    if (this.writeError) return Promise.resolve();
    try {
      if (this.fd === undefined) {
        mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
        // O_APPEND: each line lands whole at the end of the file. O_NOFOLLOW and the owner
        // check: grc's lines never land in a file a symlink points at.
        const journal = PushState.journalPath(this.file);
        this.fd = openOwnFile(
          journal,
          constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
          "state journal",
        );
      }
      writeSync(this.fd, `${JSON.stringify(line)}\n`);
    } catch (err) {
      this.writeError = err instanceof Error ? err : new Error(String(err));
    }
    return Promise.resolve();
  }

  private replay(line: string): void {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // A line torn by a kill: what it recorded is lost, the file is pushed again.
      return;
    }
    const l = parsed as Partial<Record<"linked" | "pending", unknown>>;
    if (isEntry(l.linked)) {
      const key = stateKey(l.linked);
      this.entries.set(key, l.linked);
      this.pending.delete(key);
    } else if (isPending(l.pending)) {
      this.pending.set(stateKey(l.pending), l.pending);
    }
  }

  private async writeSnapshot(): Promise<void> {
    const doc: StateFile = {
      version: 1,
      entries: [...this.entries.values()],
      pending: [...this.pending.values()],
    };
    const temp = `${this.file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(doc)}\n`, { mode: 0o600, flag: "wx" });
      // rename is atomic on one file system: a reader sees the old file or the new one.
      await rename(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw err;
    }
  }
}

const stateHint = "fix or delete the file, point --state elsewhere, or pass --no-state";

/**
 * Opens one of grc's own files without following a symlink, and checks it is a regular
 * file owned by the user running grc; a UsageError naming the file and the fix otherwise.
 */
function openOwnFile(file: string, flags: number, what: string): number {
  let fd: number;
  try {
    fd = openSync(file, flags | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EMLINK") {
      throw new UsageError(
        `${what} ${file} is a symlink; grc writes its state only to its own files`,
        "remove the symlink (or point --state at a real file)",
      );
    }
    throw err;
  }
  const st = fstatSync(fd);
  const uid = process.getuid?.();
  const problem = !st.isFile()
    ? "is not a regular file"
    : uid !== undefined && st.uid !== uid
      ? `is owned by another user (uid ${st.uid})`
      : undefined;
  if (problem) {
    closeSync(fd);
    throw new UsageError(
      `${what} ${file} ${problem}; grc uses only files it owns`,
      "remove it or point --state elsewhere",
    );
  }
  return fd;
}

/** Reads one of grc's own files (see openOwnFile); undefined when it does not exist. */
function readOwnFile(file: string, what: string): string | undefined {
  let fd: number;
  try {
    fd = openOwnFile(file, constants.O_RDONLY, what);
  } catch (err) {
    if (err instanceof GrcError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new UsageError(`cannot read ${what} ${file}: ${code}`, stateHint);
  }
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

function lockPath(file: string): string {
  return `${file}.lock`;
}

interface LockInfo {
  pid: number;
  host: string;
  at: string;
}

/** True when the lock's process is known to be gone (same host, no such pid). */
function isStale(info: LockInfo | undefined): boolean {
  if (!info || typeof info.pid !== "number") return true;
  if (info.host !== hostname()) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(lockPath(file), "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Takes the state file's lock, waiting up to `waitMs` for another run to finish. */
async function acquireLock(file: string, waitMs: number): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(
        lockPath(file),
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      const info: LockInfo = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
      writeSync(fd, `${JSON.stringify(info)}\n`);
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot lock state file ${file}: ${code}`, stateHint);
      }
    }
    const holder = readLock(file);
    if (isStale(holder)) {
      // A run killed before it could unlock: its lock protects nothing.
      rmSync(lockPath(file), { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.at}` : "unknown";
      throw new StateBusyError(
        `state file ${file} is in use by another grc run (${who}); waited ${Math.round(waitMs / 1000)}s`,
        "let that run finish, or give this one its own --state file",
      );
    }
    await delay(Math.min(200, Math.max(1, deadline - Date.now())));
  }
}

function unchanged(
  entry: { size: number; mtime_ms: number },
  file: { size: number; mtimeMs: number },
): boolean {
  return entry.size === file.size && entry.mtime_ms === file.mtimeMs;
}

function keyOf(realPath: string, target: PushTarget, scope: StateScope): string {
  return JSON.stringify([
    scope.base_url,
    scope.org_id,
    realPath,
    target.control_id,
    target.framework_id ?? null,
    target.assessment_id ?? null,
  ]);
}

function stateKey(e: Omit<StateEntry, "lineage_id" | "linked_at">): string {
  return keyOf(
    e.real_path,
    {
      control_id: e.control_id,
      framework_id: e.framework_id ?? undefined,
      assessment_id: e.assessment_id ?? undefined,
    },
    { base_url: e.base_url, org_id: e.org_id },
  );
}

/** Parses and checks a state snapshot's text. */
export function parseStateFile(text: string, file: string): StateFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`state file ${file} is not valid JSON`, stateHint);
  }
  const d = doc as Partial<StateFile> | null;
  if (!d || typeof d !== "object" || d.version !== 1 || !Array.isArray(d.entries)) {
    throw new UsageError(`state file ${file} is not a grc push state (version 1)`, stateHint);
  }
  return {
    version: 1,
    entries: d.entries.filter(isEntry),
    pending: Array.isArray(d.pending) ? d.pending.filter(isPending) : [],
  };
}

function isBase(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  const str = (k: string) => typeof e[k] === "string";
  const strOrNull = (k: string) => typeof e[k] === "string" || e[k] === null;
  return (
    str("real_path") &&
    typeof e.size === "number" &&
    typeof e.mtime_ms === "number" &&
    str("sha256") &&
    str("control_id") &&
    strOrNull("framework_id") &&
    strOrNull("assessment_id") &&
    str("object_key") &&
    str("base_url") &&
    str("org_id")
  );
}

function isEntry(v: unknown): v is StateEntry {
  return isBase(v) && typeof v.lineage_id === "string";
}

function isPending(v: unknown): v is PendingEntry {
  return (
    isBase(v) &&
    typeof v.verified === "boolean" &&
    typeof v.content_type === "string" &&
    typeof v.times === "object" &&
    v.times !== null
  );
}
