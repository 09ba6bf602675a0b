import type { CommandContext } from "../../cli/command.js";
import { readRecordInput } from "../../core/strata/record-input.js";
import { UsageError } from "../../errors.js";
import type { StrataApi } from "../../platforms/strata/index.js";
import { type OutputFlags, openStrata, writeRecord, writeRows } from "./render.js";

/** `strata status`: one sentence for people, the server's answer plus base URL for scripts. */
export async function runStatus(ctx: CommandContext, opts: OutputFlags): Promise<number> {
  const strata = await openStrata(ctx);
  const profile = await ctx.profile();
  const status = await strata.authStatus();
  if (opts.output || opts.json) {
    await writeRecord(ctx, opts, { base_url: profile.baseUrl, ...status });
    return 0;
  }
  const u = status.user;
  const who = u
    ? `${u.username}${u.name || u.email ? ` (${[u.name, u.email ? `<${u.email}>` : ""].filter(Boolean).join(" ")})` : ""}${u.role ? `, role ${u.role}` : ""}`
    : "an unknown user";
  const org = status.organization;
  ctx.io.stdout.write(
    `Logged in to StrataGRC at ${profile.baseUrl} as ${who}\n` +
      `Organization: ${org ? `${org.name ?? "(unnamed)"} (${org.id})` : "none"}\n`,
  );
  return 0;
}

/** `strata dashboard`: metric/value rows (JSON: the counts object). */
export async function runDashboard(ctx: CommandContext, opts: OutputFlags): Promise<number> {
  const strata = await openStrata(ctx);
  const counts = await strata.dashboard();
  if (opts.json || opts.output === "json") {
    await writeRecord(ctx, opts, counts);
    return 0;
  }
  const rows = Object.entries(counts).map(([metric, value]) => ({ metric, value }));
  await writeRows(ctx, opts, [{ key: "metric" }, { key: "value", align: "right" }], rows);
  return 0;
}

/** `strata chart <type>`: label/value rows (JSON: the chart object). */
export async function runChart(
  ctx: CommandContext,
  type: string,
  opts: OutputFlags,
): Promise<number> {
  const strata = await openStrata(ctx);
  const chart = await strata.chart(type);
  if (opts.json || opts.output === "json") {
    await writeRecord(ctx, opts, chart as unknown as Record<string, unknown>);
    return 0;
  }
  const rows = chart.labels.map((label, i) => ({ label, value: chart.values[i] ?? 0 }));
  await writeRows(ctx, opts, [{ key: "label" }, { key: "value", align: "right" }], rows);
  return 0;
}

/** A one-record action (effectiveness, phase, finding status) showing the changed record. */
export async function runAction(
  ctx: CommandContext,
  opts: OutputFlags,
  act: (strata: StrataApi) => Promise<Record<string, unknown>>,
): Promise<number> {
  const strata = await openStrata(ctx);
  await writeRecord(ctx, opts, await act(strata));
  return 0;
}

/** `strata findings respond <id>`: --response plus any --field/--data. */
export async function runRespond(
  ctx: CommandContext,
  id: number,
  opts: { response?: string; field?: string[]; data?: string } & OutputFlags,
): Promise<number> {
  const body = await readRecordInput({ data: opts.data, fields: opts.field }, ctx.io.stdin);
  if (opts.response !== undefined) body.management_response = opts.response;
  if (body.management_response === undefined) {
    throw new UsageError(
      "missing the management response",
      'pass --response "..." (or --field management_response=...)',
    );
  }
  const strata = await openStrata(ctx);
  await writeRecord(ctx, opts, await strata.respondToFinding(id, body));
  return 0;
}

/** `strata kpis history <id>`: one row per period. */
export async function runKpiHistory(
  ctx: CommandContext,
  id: number,
  opts: OutputFlags,
): Promise<number> {
  const strata = await openStrata(ctx);
  const points = await strata.kpiHistory(id);
  await writeRows(
    ctx,
    opts,
    [
      { key: "period" },
      { key: "value", align: "right" },
      { key: "submitted_by", header: "by" },
      { key: "submitted_at", header: "submitted" },
    ],
    points,
  );
  return 0;
}

/** `strata kpis submit <id> <value> [--period P]`. */
export async function runKpiSubmit(
  ctx: CommandContext,
  id: number,
  rawValue: string,
  opts: { period?: string } & OutputFlags,
): Promise<number> {
  const value = Number(rawValue);
  if (rawValue.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`KPI value must be a number, got "${rawValue}"`);
  }
  if (opts.period !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$|^\d{4}-Q[1-4]$/.test(opts.period)) {
    throw new UsageError(
      `--period "${opts.period}" is not a period`,
      "use YYYY-MM (2026-11) or YYYY-Qn (2026-Q4)",
    );
  }
  const strata = await openStrata(ctx);
  await writeRecord(ctx, opts, await strata.submitKpi(id, value, opts.period));
  return 0;
}
