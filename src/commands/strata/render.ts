import type { CommandContext } from "../../cli/command.js";
import { outputFormat } from "../../cli/command.js";
import { AuthError } from "../../errors.js";
import {
  type Column,
  jsonText,
  RecordWriter,
  renderTable,
  stdoutSink,
  writeWithBackpressure,
} from "../../output/records.js";
import type { StrataApi, StrataModule } from "../../platforms/strata/index.js";

/** Output flags every strata command with output takes. */
export interface OutputFlags {
  output?: string;
  json?: boolean;
}

/** The StrataGRC API for the resolved profile; refuses a profile without a session cookie. */
export async function openStrata(ctx: CommandContext): Promise<StrataApi> {
  const profile = await ctx.profile();
  if (profile.credential.kind !== "session") {
    throw new AuthError(
      `profile "${profile.name}" has no StrataGRC session`,
      "run `grc auth login --platform strata --session-stdin` or set GRC_SESSION",
    );
  }
  return (await ctx.platform("strata")).api;
}

/** Columns of each module's list (JSON/NDJSON output carries the whole record). */
export const MODULE_COLUMNS: Readonly<Record<StrataModule, readonly Column[]>> = {
  risks: [
    { key: "id", align: "right" },
    { key: "title" },
    { key: "category" },
    { key: "status" },
    { key: "score", align: "right" },
    { key: "owner_id", header: "owner" },
  ],
  controls: [
    { key: "id", align: "right" },
    { key: "code" },
    { key: "title" },
    { key: "framework" },
    { key: "status" },
    { key: "effectiveness" },
  ],
  engagements: [
    { key: "id", align: "right" },
    { key: "title" },
    { key: "phase" },
    { key: "status" },
    { key: "start_date", header: "start" },
    { key: "end_date", header: "end" },
  ],
  findings: [
    { key: "id", align: "right" },
    { key: "engagement_id", header: "engagement" },
    { key: "title" },
    { key: "risk_rating", header: "risk" },
    { key: "status" },
    { key: "assigned_to", header: "assignee" },
    { key: "due_date", header: "due" },
  ],
  cases: [
    { key: "id", align: "right" },
    { key: "case_number", header: "case" },
    { key: "title" },
    { key: "status" },
    { key: "priority" },
    { key: "assigned_to", header: "assignee" },
  ],
  kpis: [
    { key: "id", align: "right" },
    { key: "name" },
    { key: "current_value", header: "current", align: "right" },
    { key: "target", align: "right" },
    { key: "unit" },
    { key: "frequency" },
  ],
};

/** A RecordWriter on the command's stdout with the chosen format. */
export function recordWriter(ctx: CommandContext, opts: OutputFlags, columns: readonly Column[]) {
  return new RecordWriter(stdoutSink(ctx.io, outputFormat(opts)), columns);
}

/** Writes rows in the chosen format. */
export async function writeRows(
  ctx: CommandContext,
  opts: OutputFlags,
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const writer = recordWriter(ctx, opts, columns);
  for (const row of rows) await writer.write(row);
  await writer.end();
}

/**
 * Writes one record: JSON as the object itself, NDJSON as one line, CSV as a header plus one
 * row of every field, and for people a field/value listing (tab-separated when piped).
 */
export async function writeRecord(
  ctx: CommandContext,
  opts: OutputFlags,
  record: Record<string, unknown>,
): Promise<void> {
  const format = outputFormat(opts);
  const out = ctx.io.stdout;
  if (format === "json") {
    await writeWithBackpressure(out, `${jsonText(record, 2)}\n`);
  } else if (format === "ndjson") {
    await writeWithBackpressure(out, `${jsonText(record)}\n`);
  } else if (format === "csv") {
    await writeRows(
      ctx,
      opts,
      Object.keys(record).map((key) => ({ key })),
      [record],
    );
  } else {
    const rows = Object.entries(record).map(([field, value]) => ({ field, value }));
    out.write(renderTable(rows, [{ key: "field" }, { key: "value" }], stdoutSink(ctx.io, format)));
  }
}
