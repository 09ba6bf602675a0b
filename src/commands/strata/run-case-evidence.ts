import type { CommandContext } from "../../cli/command.js";
import { outputFormat } from "../../cli/command.js";
import { type Spinner, startSpinner } from "../../cli/spinner.js";
import { stateFilePath } from "../../core/config/paths.js";
import { discoverFiles } from "../../core/evidence/discovery.js";
import { formatBytes } from "../../core/evidence/format-bytes.js";
import type { PushEvent, PushSummary } from "../../core/evidence/push.js";
import {
  caseEvidenceDestination,
  caseEvidenceRow,
  caseTarget,
} from "../../core/strata/case-evidence.js";
import type { Column } from "../../output/records.js";
import type { RunOutput } from "../evidence/run-push.js";
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
 * `grc strata cases evidence upload`: the evidence-upload pipeline of `grc evidence push`
 * (discovery, decision per file, concurrency, state, receipt, events) towards StrataGRC's
 * multipart endpoint. Only the rows differ: one per file as a case-evidence record.
 */
export async function runCaseEvidenceUpload(
  ctx: CommandContext,
  caseId: number,
  paths: string[],
  flags: CaseEvidenceFlags,
): Promise<number> {
  const cwd = ctx.cwd;
  const [{ prepareReceiptSigning }, { executePush }] = await Promise.all([
    import("../evidence/receipt-signing.js"),
    import("../evidence/run-push.js"),
  ]);
  // Input first: nothing touches the network until the file list and the key are good.
  const signing = await prepareReceiptSigning(ctx, flags);
  const discovered = await discoverFiles([{ paths, target: caseTarget(caseId), baseDir: cwd }], {
    cwd,
    include: flags.include,
    exclude: flags.exclude,
    hidden: flags.hidden,
    onSkip: (path, why) => ctx.warn(`skipped ${path}: ${why}`),
    signal: ctx.signal,
  });
  // This run's receipt, signature and attestation are never evidence.
  const files = discovered.filter((f) => !signing.isOwnOutput(f.absPath, f.realPath));
  const dryRun = Boolean(flags.dryRun);
  const strata = dryRun ? undefined : await openStrata(ctx);
  // One cheap call first: a wrong case id or an expired session is one line, not N failures.
  await strata?.get("cases", caseId);
  const profile = await ctx.profile();
  const scope = { base_url: profile.baseUrl ?? "", org_id: profile.orgId ?? "" };
  const stateFile =
    flags.state === false ? undefined : (flags.state ?? stateFilePath(ctx.env, profile.name));
  const { code } = await executePush(ctx, {
    files,
    scope,
    stateFile,
    receipt: flags.receipt,
    signing,
    concurrency: flags.concurrency,
    verify: true,
    force: Boolean(flags.force),
    dryRun,
    contentType: flags.contentType,
    destination: async () =>
      caseEvidenceDestination({
        strata: strata ?? (await openStrata(ctx)),
        caseId,
        description: flags.description,
      }),
    io: ctx.io,
    format: outputFormat(flags),
    quiet: false,
    output: new CaseOutput(ctx, caseId, flags, dryRun),
  });
  return code;
}

/** Case rows (streamed for NDJSON), failure lines, a progress line on a TTY, the summary. */
class CaseOutput implements RunOutput {
  private spinner: Spinner | undefined;
  private readonly writer;
  private readonly streaming: boolean;
  private pending: Promise<void> = Promise.resolve();
  private files = 0;
  private bytes = 0;
  private done = 0;
  private sent = 0;
  private lastPaint = 0;
  private readonly label: string;

  constructor(
    private readonly ctx: CommandContext,
    private readonly caseId: number,
    flags: CaseEvidenceFlags,
    private readonly dryRun: boolean,
  ) {
    this.writer = recordWriter(ctx, flags, columns(ctx.io.stdoutIsTTY));
    this.streaming = outputFormat(flags) === "ndjson";
    this.label = `${dryRun ? "Hashing for" : "Uploading to"} case ${caseId}`;
  }

  async start(): Promise<void> {
    if (this.ctx.io.stderrIsTTY) this.spinner = await startSpinner(this.ctx.io, this.label);
  }

  readonly onEvent = (event: PushEvent): void => {
    switch (event.type) {
      case "start":
        this.files = event.files;
        this.bytes = event.bytes;
        return;
      case "progress":
        this.sent += event.bytes;
        break;
      case "linked":
      case "skipped":
      case "planned":
      case "failed": {
        this.done += 1;
        if (event.type === "skipped") this.sent += event.result.size;
        const row = caseEvidenceRow(this.caseId, event.result);
        if (this.streaming) {
          const writer = this.writer;
          this.pending = this.pending.then(() =>
            writer.write(row as unknown as Record<string, unknown>),
          );
        }
        // A fatal error is printed once, by the CLI, when the run stops.
        if (event.type === "failed" && !event.fatal)
          this.line(`grc: failed ${row.path}: ${row.error}`);
        break;
      }
      default:
        return;
    }
    const now = Date.now();
    if (!this.spinner || (event.type === "progress" && now - this.lastPaint < 100)) return;
    this.lastPaint = now;
    this.spinner.text = `${this.label}: ${this.done}/${this.files} files, ${formatBytes(Math.max(0, this.sent))} of ${formatBytes(this.bytes)}`;
  };

  stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  async finish(summary: PushSummary): Promise<void> {
    this.stopSpinner();
    await this.pending;
    // Rows in the order the files were named, not the order they finished.
    if (!this.streaming) {
      for (const r of summary.results) {
        await this.writer.write(
          caseEvidenceRow(this.caseId, r) as unknown as Record<string, unknown>,
        );
      }
    }
    await this.writer.end();
    if (summary.fatal && summary.results.length === 0) return;
    const rest = summary.notStarted > 0 ? `, ${summary.notStarted} not attempted` : "";
    this.ctx.warn(
      this.dryRun
        ? `case ${this.caseId}: dry run: ${summary.planned} would be uploaded, ${summary.skipped} skipped (unchanged); nothing was sent`
        : `case ${this.caseId}: ${summary.linked} uploaded, ${summary.skipped} skipped, ${summary.failed} failed${rest}`,
    );
  }

  /** A message line that must not be overwritten by the spinner. */
  private line(text: string): void {
    this.spinner?.clear();
    this.ctx.warn(text);
    this.spinner?.render();
  }
}
