import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { type ReceiptCheck, type ReceiptSummary, ReceiptWriter, verifyReceipt } from "./receipt.js";

/**
 * Merging the receipts of a sharded push (one per shard) into one receipt that verifies:
 * every input is verified first, then its evidence lines are copied, in input order, into a
 * new receipt whose summary covers them all (earliest start, latest finish, summed counts).
 * Built on receipt.ts's reader and writer only, so a change of the format there carries over.
 */

/** What a merge produced. */
export interface MergeResult {
  receipts: number;
  entries: number;
  bytes: number;
  summary: ReceiptSummary;
}

const mergeHint = "merge only intact receipts (check each with `grc evidence receipt verify`)";

/** Merges `inputs` into `output`; throws UsageError (and leaves no output) for bad input. */
export async function mergeReceipts(
  inputs: readonly string[],
  output: string,
  cwd: string,
): Promise<MergeResult> {
  if (inputs.length === 0) throw new UsageError("name the receipts to merge", mergeHint);
  const out = resolve(cwd, output);
  const seen = new Map<string, string>();
  const checks: ReceiptCheck[] = [];
  for (const file of inputs) {
    if (resolve(cwd, file) === out) {
      throw new UsageError(`-o ${output} is also an input`, "write the merged receipt elsewhere");
    }
    // Pass 1: every input intact, same platform, none twice (files stream; nothing is held).
    const check = await verifyReceipt(resolve(cwd, file), { cwd });
    const first = check.problems[0];
    if (!check.ok || !check.summary) {
      const where = first ? `line ${first.line}: ${first.message}` : "no summary";
      throw new UsageError(`receipt ${file} does not verify (${where})`, mergeHint);
    }
    const s = check.summary;
    const twin = seen.get(s.sha256);
    if (twin !== undefined) {
      throw new UsageError(
        `receipt ${file} is the same receipt as ${twin}`,
        "name each shard's receipt once",
      );
    }
    seen.set(s.sha256, file);
    const base = checks[0]?.summary;
    if (base && (base.base_url !== s.base_url || base.org_id !== s.org_id)) {
      throw new UsageError(
        `receipt ${file} is from ${s.base_url} org ${s.org_id}, ${inputs[0]} from ${base.base_url} org ${base.org_id}`,
        "merge receipts of one platform and organization",
      );
    }
    checks.push(check);
  }

  // Pass 2: copy the lines. A receipt that changed since pass 1 aborts the merge.
  const writer = await ReceiptWriter.open(out);
  try {
    for (const [i, file] of inputs.entries()) {
      const again = await verifyReceipt(resolve(cwd, file), {
        cwd,
        onEntry: (entry) => writer.append(entry),
        onSkipped: (entry) => writer.appendSkipped(entry),
      });
      if (!again.ok || again.summary?.sha256 !== checks[i]!.summary!.sha256) {
        throw new UsageError(`receipt ${file} changed while it was merged`, "merge again");
      }
    }
    const summaries = checks.map((c) => c.summary!);
    // Version 3 lists its skipped files; older receipts only counted them: one merged
    // receipt cannot say both.
    const listed = checks.reduce((n, c) => n + c.skippedEntries, 0);
    if (listed > 0 && listed !== sum(summaries, "skipped")) {
      throw new UsageError(
        "some receipts list their skipped files (version 3) and others only count them",
        "merge receipts written by the same grc version",
      );
    }
    const summary = await writer.close({
      base_url: summaries[0]!.base_url,
      org_id: summaries[0]!.org_id,
      started_at: summaries.map((s) => s.started_at).sort()[0]!,
      finished_at: summaries
        .map((s) => s.finished_at)
        .sort()
        .at(-1)!,
      linked: sum(summaries, "linked"),
      skipped: sum(summaries, "skipped"),
      failed: sum(summaries, "failed"),
      interrupted: summaries.some((s) => s.interrupted),
    });
    return { receipts: inputs.length, entries: summary.lines, bytes: summary.bytes, summary };
  } catch (err) {
    await writer.close(placeholder).catch(() => {});
    await rm(out, { force: true });
    throw err;
  }
}

const placeholder = {
  base_url: "",
  org_id: "",
  started_at: "",
  finished_at: "",
  linked: 0,
  skipped: 0,
  failed: 0,
  interrupted: true,
};

function sum(list: ReceiptSummary[], key: "linked" | "skipped" | "failed"): number {
  return list.reduce((n, s) => n + (typeof s[key] === "number" ? s[key] : 0), 0);
}
