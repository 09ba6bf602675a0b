import { defineCommand, outputFormat } from "../../cli/command.js";

interface LinkOptions {
  objectKey?: string;
  control?: string;
  framework?: string;
  assessment?: string;
  output?: string;
  json?: boolean;
}

/** `grc evidence link <evidence_id> --object-key K --control C`: step 4 of the seed's flow on its own. */
export const linkCommand = defineCommand<LinkOptions>({
  path: ["evidence", "link"],
  args: "<evidence_id>",
  summary: "Link a stored object (by SHA-256 and object key) to a control",
  output: true,
  options: [
    { flags: "--object-key <key>", description: "object key returned by the upload (required)" },
    { flags: "--control <id>", description: "control to link to, e.g. CC6.1 (required)" },
    { flags: "--framework <id>", description: "framework, e.g. SOC2" },
    { flags: "--assessment <id>", description: "assessment" },
  ],
  help: "Linking again is safe: the existing link is returned with created=false (exit 0).",
  async run(ctx, args, opts) {
    const sovereign = await import("../../platforms/sovereign/index.js");
    const { RecordWriter } = await import("../../output/records.js");
    const { UsageError } = await import("../../errors.js");
    const evidenceId = sovereign.parseSha256(args[0] ?? "", "the evidence id");
    if (!opts.objectKey)
      throw new UsageError("missing --object-key", "pass the object_key the upload returned");
    if (!opts.control)
      throw new UsageError(
        "missing --control",
        "pass the control to link to, e.g. --control CC6.1",
      );
    const ev = (await ctx.platform("sovereign")).evidence;
    const row = await ev.linkToControl(
      {
        evidence_id: evidenceId,
        object_key: opts.objectKey,
        control_id: opts.control,
        framework_id: opts.framework,
        assessment_id: opts.assessment,
      },
      { signal: ctx.signal },
    );
    const format = outputFormat(opts);
    if (format === "table") {
      const verb = row.created ? "linked" : "already linked";
      ctx.io.stdout.write(
        `${verb} ${row.evidence_id} to ${row.control_id} (lineage ${row.lineage_id})\n`,
      );
      return 0;
    }
    const writer = new RecordWriter(
      { stdout: ctx.io.stdout, format, tty: ctx.io.stdoutIsTTY, color: false },
      ["lineage_id", "evidence_id", "control_id", "framework_id", "assessment_id", "created"].map(
        (key) => ({ key }),
      ),
    );
    await writer.write({ ...row, object_key: opts.objectKey });
    await writer.end();
    return 0;
  },
});
