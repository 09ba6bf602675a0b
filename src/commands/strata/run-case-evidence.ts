import type { CommandContext } from "../../cli/command.js";
import { outputFormat } from "../../cli/command.js";
import { type Spinner, startSpinner } from "../../cli/spinner.js";
import { stateFilePath } from "../../core/config/paths.js";
import { discoverFiles } from "../../core/evidence/discovery.js";
import { formatBytes } from "../../core/evidence/push.js";
import { ReceiptWriter } from "../../core/evidence/receipt.js";
import { PushState } from "../../core/evidence/state-store.js";
import {
  type CaseEvidenceEvent,
  type CaseEvidenceResult,
  caseTarget,
  uploadCaseEvidence,
} from "../../core/strata/case-evidence.js";
import { ExitCode } from "../../errors.js";
import type { Column } from "../../output/records.js";
import type { CaseEvidenceFlags } from "./case-evidence-upload.js";
import { openStrata, recordWriter } from "./render.js";

/** Result columns; people get a short hash (like `evidence push`), pipes the whole one. */
function columns(tty: boolean): Column[] {
  return [
    { key: "status" },
    { key: "path" },
    { key: "size", align: "right" },
    tty
      ? { key: "sha256", format: (v) => (typeof v === "string" ? v.slice(0, 12) : "") }
      : { key: "sha256" },
    { key: "evidence_id", header: "evidence" },
    { key: "error" },
  ];
}

/**
 * `grc strata cases evidence upload`: discovers the files (as `evidence push` does), uploads
 * them with bounded concurrency, then prints one row per file (streamed for NDJSON) and a
 * summary line on stderr. Exit 1 when any file failed.
 */
export async function runCaseEvidenceUpload(
  ctx: CommandContext,
  caseId: number,
  paths: string[],
  flags: CaseEvidenceFlags,
): Promise<number> {
  const cwd = ctx.cwd;
  const { prepareReceiptSigning } = await import("../evidence/receipt-signing.js");
  // Input first: nothing touches the network until the file list and the key are good.
  const signing = await prepareReceiptSigning(ctx, flags);
  const discovered = await discoverFiles([{ paths, target: caseTarget(caseId), baseDir: cwd }], {
    cwd,
    include: flags.include,
    exclude: flags.exclude,
    hidden: flags.hidden,
    onSkip: (path, why) => ctx.warn(`skipped ${path}: ${why}`),
  });
  // This run's receipt, signature and attestation are never evidence.
  const files = discovered.filter((f) => !signing.isOwnOutput(f.absPath, f.realPath));
  const strata = await openStrata(ctx);
  // One cheap call first: a wrong case id or an expired session is one line, not N failures.
  await strata.get("cases", caseId);
  const profile = await ctx.profile();
  const scope = { base_url: profile.baseUrl ?? "", org_id: profile.orgId ?? "" };
  const state =
    flags.state === false
      ? undefined
      : await PushState.load(flags.state ?? stateFilePath(ctx.env, profile.name));
  const receipt = flags.receipt ? await ReceiptWriter.open(flags.receipt) : undefined;
  const startedAt = ctx.now().toISOString();

  const writer = recordWriter(ctx, flags, columns(ctx.io.stdoutIsTTY));
  const streaming = outputFormat(flags) === "ndjson";
  const pending: Promise<void>[] = [];
  let results: CaseEvidenceResult[] = [];
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const progress = await Progress.start(ctx, caseId, files.length, sum(files.map((f) => f.size)));
  let receiptError: unknown;
  try {
    results = await uploadCaseEvidence({
      strata,
      caseId,
      files,
      concurrency: flags.concurrency,
      description: flags.description,
      scope,
      state,
      force: Boolean(flags.force),
      receipt,
      signal: ctx.signal,
      onEvent: (event) => {
        progress.onEvent(event);
        if (event.type !== "finished") return;
        const r = event.result;
        if (streaming) pending.push(writer.write(r as unknown as Record<string, unknown>));
        if (r.status === "failed") progress.line(`grc: failed ${r.path}: ${r.error}`);
      },
    });
  } finally {
    progress.stop();
    await state?.close();
    // A receipt that cannot be finished must not swallow the results: reported after them.
    await receipt
      ?.close({
        base_url: scope.base_url,
        org_id: scope.org_id,
        started_at: startedAt,
        finished_at: ctx.now().toISOString(),
        linked: count("uploaded"),
        skipped: count("skipped"),
        failed: count("failed"),
        interrupted: ctx.signal.aborted,
        ci: signing.ci,
      })
      .catch((err: unknown) => {
        receiptError = err;
      });
  }
  await Promise.all(pending);
  if (!streaming) {
    // Rows in the order the files were named, not the order they finished.
    const order = new Map(files.map((f, i) => [f.path, i]));
    results.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
    for (const r of results) await writer.write(r as unknown as Record<string, unknown>);
  }
  await writer.end();
  const failed = count("failed");
  ctx.warn(
    `case ${caseId}: ${count("uploaded")} uploaded, ${count("skipped")} skipped, ${failed} failed` +
      (files.length > results.length ? `, ${files.length - results.length} not attempted` : ""),
  );
  if (receiptError) throw receiptError;
  if (receipt) await signing.finish({});
  if (ctx.signal.aborted) return ExitCode.interrupted;
  return failed > 0 ? ExitCode.someFailed : ExitCode.ok;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Files and bytes done, as a spinner line on a TTY's stderr (ora, imported only then). */
class Progress {
  private done = 0;
  private sent = 0;
  private lastPaint = 0;

  private constructor(
    private readonly ctx: CommandContext,
    private readonly label: string,
    private readonly files: number,
    private readonly bytes: number,
    private readonly spinner: Spinner | undefined,
  ) {}

  static async start(
    ctx: CommandContext,
    caseId: number,
    files: number,
    bytes: number,
  ): Promise<Progress> {
    let spinner: Spinner | undefined;
    if (ctx.io.stderrIsTTY) {
      spinner = await startSpinner(ctx.io, `Uploading to case ${caseId}`);
    }
    return new Progress(ctx, `Uploading to case ${caseId}`, files, bytes, spinner);
  }

  onEvent(event: CaseEvidenceEvent): void {
    if (event.type === "bytes") this.sent += event.bytes;
    if (event.type === "finished") {
      this.done += 1;
      if (event.result.status === "skipped") this.sent += event.result.size;
    }
    const now = Date.now();
    if (!this.spinner || (event.type === "bytes" && now - this.lastPaint < 100)) return;
    this.lastPaint = now;
    this.spinner.text = `${this.label}: ${this.done}/${this.files} files, ${formatBytes(this.sent)} of ${formatBytes(this.bytes)}`;
  }

  /** A message line that must not be overwritten by the spinner. */
  line(text: string): void {
    this.spinner?.clear();
    this.ctx.warn(text);
    this.spinner?.render();
  }

  stop(): void {
    this.spinner?.stop();
  }
}
