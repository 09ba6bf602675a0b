import type { DiscoveredFile } from "./discovery.js";
import type { PendingEntry, PushState, StateEntry, StateScope } from "./state-store.js";

/**
 * The push's plan: what happens to each file, decided once, before anything is sent, from
 * the file (size and mtime as discovered) and the state. The executor only carries it out.
 *
 * - skip:          linked before and unchanged since (size + mtime): never read
 * - link-pending:  uploaded and verified by a run killed before its link: link that object
 *                  (after the file is read again and hashes to the entry's SHA-256)
 * - upload:        read, upload, verify, link
 *
 * `grc evidence plan` decides by content hash instead (it reads every file); its items map
 * onto the same actions with `planItemAction`.
 */
export type PushAction = "skip" | "link-pending" | "upload";

/** One decided file. */
export type PushDecision =
  | { action: "skip"; file: DiscoveredFile; entry: StateEntry }
  | { action: "link-pending"; file: DiscoveredFile; pending: PendingEntry }
  | { action: "upload"; file: DiscoveredFile };

/** What a decision depends on. */
export interface DecideOptions {
  state?: Pick<PushState, "lookup" | "lookupPending"> | undefined;
  scope: StateScope;
  /** Push even files the state says are already linked (nothing is skipped or resumed). */
  force: boolean;
  /**
   * The SHA-256 a plan decided for a file (`grc evidence apply`): a state entry of other
   * content neither skips nor resumes it.
   */
  expectedSha256?: ((file: DiscoveredFile) => string | undefined) | undefined;
}

/** Decides one file (see PushDecision). */
export function decideFile(file: DiscoveredFile, options: DecideOptions): PushDecision {
  const { state, scope } = options;
  if (options.force || !state) return { action: "upload", file };
  const expected = options.expectedSha256?.(file);
  const fits = (e: { sha256: string }) => expected === undefined || e.sha256 === expected;
  const entry = state.lookup(file, file.target, scope);
  if (entry && fits(entry)) return { action: "skip", file, entry };
  const pending = state.lookupPending(file, file.target, scope);
  if (pending && fits(pending)) return { action: "link-pending", file, pending };
  return { action: "upload", file };
}

/** Decides every file, in input order: the push's plan. */
export function decidePush(
  files: readonly DiscoveredFile[],
  options: DecideOptions,
): PushDecision[] {
  return files.map((file) => decideFile(file, options));
}

/** The action a `grc evidence plan` item stands for when applied. */
export function planItemAction(status: "new" | "changed" | "unchanged"): PushAction {
  return status === "unchanged" ? "skip" : "upload";
}
