import { defineCommand } from "../../cli/command.js";
import { ExitCode, UsageError } from "../../errors.js";

/** Flags of `grc evidence export`. */
export interface ExportFlags {
  format: string;
  output?: string;
}

/** `grc evidence export --format oscal-ar RECEIPT...`: receipts as OSCAL Assessment Results. */
export const exportCommand = defineCommand<ExportFlags>({
  path: ["evidence", "export"],
  args: "<receipts...>",
  summary: "Export push receipts as an OSCAL 1.0.4 Assessment Results document",
  connection: false,
  options: [
    {
      flags: "--format <format>",
      description: "export format",
      choices: ["oscal-ar"],
      default: "oscal-ar",
    },
    { flags: "-o, --output <file>", description: "write to this file (default: stdout)" },
  ],
  help: [
    "Each receipt must verify (as `grc evidence receipt verify`); it becomes one result (the",
    "run's start and end), with one observation per evidence file, the file's SHA-256 in a",
    "back-matter resource's rlinks[].hashes, and the controls in reviewed-controls. UUIDs are",
    "derived from the content: the same receipts always give the same document.",
    "",
    "Example:",
    "  grc evidence export --format oscal-ar receipt-*.ndjson -o assessment-results.json",
  ].join("\n"),
  async run(ctx, receipts, flags) {
    const { createHash } = await import("node:crypto");
    const { createReadStream } = await import("node:fs");
    const { basename } = await import("node:path");
    const { verifyReceipt, openOutputFile } = await import("../../core/evidence/receipt.js");
    const { assessmentResults } = await import("../../core/audit/oscal.js");
    const version = (await import("../../cli/version.js")).packageVersion();
    type Entry = import("../../core/evidence/receipt.js").ReceiptEntry;
    const read = [];
    for (const file of receipts) {
      const entries: Entry[] = [];
      const check = await verifyReceipt(file, {
        cwd: ctx.cwd,
        onEntry: (e) => entries.push(e),
      });
      if (!check.ok || !check.summary) {
        throw new UsageError(
          `receipt ${file} does not verify (${check.problems[0]?.message ?? "no summary"})`,
          `run \`grc evidence receipt verify ${file}\`; only intact receipts are exported`,
        );
      }
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      read.push({
        name: basename(file),
        sha256: hash.digest("hex"),
        summary: check.summary,
        entries,
      });
    }
    const text = `${JSON.stringify(assessmentResults(read, { version }), null, 2)}\n`;
    if (flags.output && flags.output !== "-") {
      const out = await openOutputFile(flags.output, "export");
      try {
        await out.writeFile(text);
      } finally {
        await out.close();
      }
      const observations = read.reduce((n, r) => n + r.entries.length, 0);
      ctx.warn(
        `wrote ${flags.output}: ${read.length} ${read.length === 1 ? "result" : "results"}, ${observations} ${observations === 1 ? "observation" : "observations"}`,
      );
    } else {
      ctx.io.stdout.write(text);
    }
    return ExitCode.ok;
  },
});
