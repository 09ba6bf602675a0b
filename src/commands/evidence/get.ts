import { defineCommand, outputFormat } from "../../cli/command.js";

interface GetOptions {
  output?: string;
  json?: boolean;
}

/** `grc evidence get <id>`: one evidence (by SHA-256) and the controls it is linked to. */
export const getCommand = defineCommand<GetOptions>({
  path: ["evidence", "get"],
  args: "<evidence_id>",
  summary: "Show one evidence (by SHA-256) and its links to controls",
  output: true,
  async run(ctx, args, opts) {
    const sovereign = await import("../../platforms/sovereign/index.js");
    const { renderTable, RecordWriter } = await import("../../output/records.js");
    const id = sovereign.parseSha256(args[0] ?? "", "the evidence id");
    const ev = (await ctx.platform("sovereign")).evidence;
    const doc = await ev.getEvidence(id, { signal: ctx.signal });
    const record = {
      ...sovereign.evidenceRecord(doc.data, doc.included),
      lineage: sovereign.lineageRows(doc.data, doc.included),
    };
    const format = outputFormat(opts);
    const sink = {
      stdout: ctx.io.stdout,
      format,
      tty: ctx.io.stdoutIsTTY,
      color: ctx.io.colorStdout,
      // Pipes get whole ids: no truncation to a terminal width.
      columns: ctx.io.stdoutIsTTY ? ctx.io.columns : 100_000,
    };
    if (format !== "table") {
      // One record, the same shape in json, ndjson and csv (lineage as a JSON cell in csv).
      const writer = new RecordWriter(sink, [
        { key: "id" },
        { key: "filename" },
        { key: "size" },
        { key: "content_type" },
        { key: "created_at" },
        { key: "object_keys" },
        { key: "controls" },
        { key: "lineage" },
      ]);
      await writer.write(record);
      await writer.end();
      return 0;
    }
    // For people: the fields as "name value" lines, then one row per link.
    const fields = [
      { field: "sha256", value: record.id },
      { field: "filename", value: record.filename },
      { field: "size", value: String(record.size) },
      { field: "content_type", value: record.content_type },
      { field: "created_at", value: record.created_at },
      { field: "object_keys", value: record.object_keys.join(", ") },
    ];
    const plain = { ...sink, tty: false };
    let text = renderTable(fields, [{ key: "field" }, { key: "value" }], plain);
    if (record.lineage.length > 0) {
      text += `\n${renderTable(
        record.lineage,
        [
          { key: "lineage_id", header: "lineage" },
          { key: "control_id", header: "control" },
          { key: "framework_id", header: "framework" },
          { key: "assessment_id", header: "assessment" },
          { key: "created_at", header: "linked" },
        ],
        { ...sink, tty: true },
      )}`;
    } else {
      text += "\n(not linked to any control)\n";
    }
    ctx.io.stdout.write(text);
    return 0;
  },
});
