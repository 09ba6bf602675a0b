import { defineCommand, outputFormat } from "../../cli/command.js";
import { ExitCode } from "../../errors.js";

/** Flags of `grc evidence receipt verify`. */
export interface ReceiptVerifyFlags {
  files?: boolean;
  output?: string;
  json?: boolean;
}

/** `grc evidence receipt verify FILE`: checks a push receipt's chain and, with --files, the files. */
export const receiptVerifyCommand = defineCommand<ReceiptVerifyFlags>({
  path: ["evidence", "receipt", "verify"],
  args: "<file>",
  summary: "Check a push receipt (and, with --files, that the files still match it)",
  output: true,
  connection: false,
  options: [{ flags: "--files", description: "re-hash each file and compare size and SHA-256" }],
  help: [
    "Checks that every line parses, the summary line is last, and its SHA-256 and counts match",
    "the lines before it. With --files each file (its path relative to the current folder, else",
    "the absolute path recorded) is read again and compared. Exit 0 intact, 1 problems found,",
    "2 not a receipt.",
  ].join("\n"),
  async run(ctx, [file], flags) {
    const { verifyReceipt } = await import("../../core/evidence/receipt.js");
    const { formatBytes } = await import("../../core/evidence/push.js");
    const { stripControl } = await import("../../output/sanitize.js");
    const check = await verifyReceipt(file!, { files: Boolean(flags.files), cwd: process.cwd() });
    const format = outputFormat(flags);
    if (format === "json" || format === "ndjson") {
      const doc = {
        file,
        ok: check.ok,
        entries: check.entries,
        bytes: check.bytes,
        files_checked: check.filesChecked,
        base_url: check.summary?.base_url ?? null,
        org_id: check.summary?.org_id ?? null,
        finished_at: check.summary?.finished_at ?? null,
        problems: check.problems,
      };
      ctx.io.stdout.write(
        format === "json" ? `${JSON.stringify(doc, null, 2)}\n` : `${JSON.stringify(doc)}\n`,
      );
    } else {
      for (const p of check.problems) {
        const where = p.path ? stripControl(p.path) : `line ${p.line}`;
        ctx.io.stderr.write(`grc: ${file}: ${where}: ${p.message}\n`);
      }
      const s = check.summary;
      const what = `${check.entries} ${check.entries === 1 ? "file" : "files"} (${formatBytes(check.bytes)})`;
      const where = s ? ` linked on ${s.base_url} org ${s.org_id} at ${s.finished_at}` : "";
      const hashed = flags.files ? `; ${check.filesChecked} files re-hashed` : "";
      if (check.ok) {
        ctx.io.stdout.write(`receipt ${file} is intact: ${what}${where}${hashed}\n`);
      } else {
        ctx.io.stderr.write(
          `grc: receipt ${file} failed verification: ${check.problems.length} ${check.problems.length === 1 ? "problem" : "problems"} in ${what}${hashed}\n`,
        );
      }
    }
    return check.ok ? ExitCode.ok : ExitCode.someFailed;
  },
});
