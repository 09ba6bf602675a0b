import { defineCommand } from "../../cli/command.js";
import { ExitCode, UsageError } from "../../errors.js";

/** Flags of `grc evidence receipt merge`. */
export interface ReceiptMergeFlags {
  output?: string;
}

/** `grc evidence receipt merge A B ... -o FILE`: one receipt from the receipts of a sharded push. */
export const receiptMergeCommand = defineCommand<ReceiptMergeFlags>({
  path: ["evidence", "receipt", "merge"],
  args: "<files...>",
  summary: "Merge push receipts (e.g. one per --shard) into one receipt that verifies",
  connection: false,
  options: [
    // -o names the file here (like `evidence download -o`), so there is no --output format.
    { flags: "-o, --output <file>", description: "the merged receipt to write (required)" },
  ],
  help: [
    "Example:",
    "  grc evidence receipt merge receipt-1.ndjson receipt-2.ndjson receipt-3.ndjson -o receipt.ndjson",
    "",
    "Each input must verify and come from the same base URL and organization. The evidence",
    "lines are copied in the order given; the new summary line counts them all, starts at the",
    "earliest start and ends at the latest finish. Exit 0 merged, 2 an input is not an intact",
    "receipt (nothing is written).",
  ].join("\n"),
  async run(ctx, files, flags) {
    if (!flags.output) {
      throw new UsageError(
        "missing -o FILE: where should the merged receipt go?",
        "pass -o merged.ndjson",
      );
    }
    const { mergeReceipts } = await import("../../core/evidence/receipt-merge.js");
    const { formatBytes } = await import("../../core/evidence/push.js");
    const merged = await mergeReceipts(files, flags.output, ctx.cwd);
    ctx.io.stdout.write(
      `merged ${merged.receipts} ${merged.receipts === 1 ? "receipt" : "receipts"} into ${flags.output}: ${merged.entries} ${merged.entries === 1 ? "file" : "files"} (${formatBytes(merged.bytes)})\n`,
    );
    return ExitCode.ok;
  },
});
