import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { UsageError } from "../../errors.js";
import type { PushTarget } from "./discovery.js";

/**
 * The push state remembers which (file, size, mtime, target) is already linked, so a cron job
 * over a growing folder uploads only what is new. It is written atomically (temp file +
 * rename) while the run goes on, so a run killed at any moment leaves a valid file that holds
 * every file linked before the last write.
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

/** The server and organization a run pushes to: a state entry only counts for the same one. */
export interface StateScope {
  base_url: string;
  org_id: string;
}

interface StateFile {
  version: 1;
  entries: StateEntry[];
}

/** How often the state is written while files finish (and once more at the end). */
export const STATE_WRITE_INTERVAL_MS = 200;

/** The state of one profile, loaded once, updated as files link, flushed in batches. */
export class PushState {
  private readonly entries = new Map<string, StateEntry>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private writeError: Error | undefined;
  private tempCounter = 0;

  private constructor(
    readonly file: string,
    private readonly intervalMs: number,
  ) {}

  /** Loads a state file; a missing file is an empty state, a broken one a UsageError. */
  static async load(file: string, intervalMs = STATE_WRITE_INTERVAL_MS): Promise<PushState> {
    const state = new PushState(file, intervalMs);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return state;
      throw new UsageError(`cannot read state file ${file}: ${code}`, stateHint);
    }
    for (const entry of parseStateFile(text, file)) state.entries.set(stateKey(entry), entry);
    return state;
  }

  /** Number of entries held. */
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
    if (!entry) return undefined;
    return entry.size === file.size && entry.mtime_ms === file.mtimeMs ? entry : undefined;
  }

  /** Records a linked file; the write happens within the batching interval. */
  record(entry: StateEntry): void {
    this.entries.set(stateKey(entry), entry);
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /** Writes the state now if anything changed (waits for a write in progress first). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  /** Final write; throws when any write of the run failed (the user must know). */
  async close(): Promise<void> {
    await this.flush();
    if (this.writeError) {
      throw new UsageError(
        `cannot write state file ${this.file}: ${this.writeError.message}`,
        stateHint,
      );
    }
  }

  private async write(): Promise<void> {
    const doc: StateFile = { version: 1, entries: [...this.entries.values()] };
    const temp = `${this.file}.${randomBytes(6).toString("hex")}.${++this.tempCounter}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFile(temp, `${JSON.stringify(doc)}\n`, { mode: 0o600 });
      // rename is atomic on one file system: a reader sees the old file or the new one.
      await rename(temp, this.file);
    } catch (err) {
      this.writeError = err instanceof Error ? err : new Error(String(err));
      // Mark dirty again so a later flush retries with everything recorded so far.
      this.dirty = true;
      await rm(temp, { force: true }).catch(() => {});
    }
  }
}

const stateHint = "fix or delete the file, point --state elsewhere, or pass --no-state";

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

function stateKey(e: StateEntry): string {
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

/** Parses and checks a state file's text. */
export function parseStateFile(text: string, file: string): StateEntry[] {
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
  return d.entries.filter(isEntry);
}

function isEntry(v: unknown): v is StateEntry {
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
    str("lineage_id") &&
    str("base_url") &&
    str("org_id")
  );
}
