import type { OutputFormat } from "../../cli/command.js";
import type { IOStreams } from "../../cli/io.js";
import { type Spinner, startSpinner } from "../../cli/spinner.js";
import {
  formatBytes,
  type PushEvent,
  type PushResult,
  type PushSummary,
} from "../../core/evidence/push.js";
import { type Column, RecordWriter, renderTable } from "../../output/records.js";
import { stripControl } from "../../output/sanitize.js";

/**
 * Turns push events into what the user sees: a spinner with files, bytes, rate and ETA on a
 * TTY's stderr; one line per failed file; NDJSON/CSV rows as files finish; a JSON array or
 * a summary table at the end; and the summary line. `--quiet` leaves only failures.
 */

/** The columns of the summary table, CSV and dry-run listing. */
const COLUMNS: Column<PushResult>[] = [
  { key: "status", header: "status" },
  { key: "path", header: "path" },
  { key: "size", header: "size", align: "right", format: (v) => formatBytes(Number(v)) },
  { key: "control_id", header: "control" },
  { key: "sha256", header: "sha256", format: (v) => (typeof v === "string" ? v.slice(0, 12) : "") },
  { key: "lineage_id", header: "lineage" },
  { key: "error", header: "error" },
];

const CSV_COLUMNS: Column<PushResult>[] = [
  "path",
  "size",
  "sha256",
  "content_type",
  "object_key",
  "evidence_id",
  "lineage_id",
  "control_id",
  "framework_id",
  "assessment_id",
  "created",
  "verified",
  "status",
  "error",
].map((key) => ({ key }));

const DRY_RUN_COLUMNS: Column<PushResult>[] = [
  { key: "status", header: "status" },
  { key: "path", header: "path" },
  { key: "size", header: "size", align: "right" },
  { key: "sha256", header: "sha256" },
  { key: "content_type", header: "content type" },
  { key: "control_id", header: "control" },
];

/** Options of the renderer (from flags and the streams). */
export interface PushOutputOptions {
  io: IOStreams;
  format: OutputFormat;
  quiet: boolean;
  dryRun: boolean;
  /** Monotonic-ish clock in ms (tests). */
  now?: () => number;
}

/** Renders one push run. Call `start` before the run, feed `onEvent`, then `finish`. */
export class PushOutput {
  private spinner: Spinner | undefined;
  private readonly writer: RecordWriter<PushResult> | undefined;
  private pending: Promise<void> = Promise.resolve();
  private files = 0;
  private bytes = 0;
  private done = 0;
  private sent = 0;
  private startedAt = 0;
  private lastPaint = 0;
  private readonly now: () => number;

  constructor(private readonly opts: PushOutputOptions) {
    this.now = opts.now ?? (() => Date.now());
    const { io, format } = opts;
    if (format === "ndjson" || format === "csv") {
      this.writer = new RecordWriter<PushResult>(
        { stdout: io.stdout, format, tty: io.stdoutIsTTY, color: false },
        CSV_COLUMNS,
      );
    }
  }

  /** Starts the spinner on a TTY (ora is imported only then). */
  async start(): Promise<void> {
    this.startedAt = this.now();
    const { io, quiet } = this.opts;
    if (!io.stderrIsTTY || quiet) return;
    this.spinner = await startSpinner(io, this.opts.dryRun ? "Hashing files" : "Pushing files");
  }

  /** The event sink given to the core. */
  readonly onEvent = (event: PushEvent): void => {
    switch (event.type) {
      case "start":
        this.files = event.files;
        this.bytes = event.bytes;
        break;
      case "progress":
        this.sent += event.bytes;
        break;
      case "linked":
      case "skipped":
      case "planned":
        this.done += 1;
        if (event.type === "skipped") this.sent += event.result.size;
        this.row(event.result);
        break;
      case "failed":
        this.done += 1;
        this.row(event.result);
        // A fatal error is printed once, by the CLI, when the run stops.
        if (!event.fatal)
          this.line(`grc: failed ${clean(event.result.path)}: ${event.error.line()}`);
        break;
      default:
        break;
    }
    this.paint();
  };

  /** Stops the spinner (idempotent). */
  stopSpinner(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  /** Stops the spinner and prints the final table/JSON and the summary line. */
  async finish(
    summary: PushSummary,
    extra: { stateFile?: string | undefined } = {},
  ): Promise<void> {
    this.stopSpinner();
    await this.pending;
    const { io, format, quiet, dryRun } = this.opts;
    if (this.writer) {
      await this.writer.end();
    } else if (format === "json") {
      io.stdout.write(`${JSON.stringify(summary.results, null, 2)}\n`);
    } else if (dryRun && summary.results.length > 0) {
      io.stdout.write(
        renderTable(summary.results, DRY_RUN_COLUMNS, {
          tty: io.stdoutIsTTY,
          color: io.colorStdout,
          columns: io.columns > 0 ? io.columns : 120,
        }),
      );
    } else if (io.stdoutIsTTY && !quiet && summary.results.length > 0) {
      io.stdout.write(
        // The error column only when something failed.
        renderTable(summary.results, summary.failed ? COLUMNS : COLUMNS.slice(0, -1), {
          tty: true,
          color: io.colorStdout,
          columns: io.columns > 0 ? io.columns : 120,
        }),
      );
    }
    // A run stopped before any file (no credentials, say) ends with its one error line only.
    const nothingDone = summary.fatal && summary.results.length === 0;
    if (!quiet && !nothingDone) {
      io.stderr.write(`${summaryLine(summary, dryRun, extra.stateFile)}\n`);
    }
  }

  private row(result: PushResult): void {
    const writer = this.writer;
    if (!writer) return;
    // Rows go out in the order files finish; the chain keeps writes ordered.
    this.pending = this.pending.then(() => writer.write(result));
  }

  private line(text: string): void {
    if (this.spinner) this.spinner.clear();
    this.opts.io.stderr.write(`${text}\n`);
    if (this.spinner) this.spinner.render();
  }

  private paint(): void {
    if (!this.spinner) return;
    const t = this.now();
    if (t - this.lastPaint < 100 && this.done < this.files) return;
    this.lastPaint = t;
    this.spinner.text = progressText({
      done: this.done,
      files: this.files,
      sent: this.sent,
      bytes: this.bytes,
      elapsedMs: t - this.startedAt,
      verb: this.opts.dryRun ? "Hashing" : "Pushing",
    });
  }
}

/** The spinner text: files done/total, bytes, rate and ETA. */
export function progressText(p: {
  done: number;
  files: number;
  sent: number;
  bytes: number;
  elapsedMs: number;
  verb: string;
}): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.sent / secs : 0;
  const parts = [
    `${p.verb} ${p.done}/${p.files} files`,
    `${formatBytes(Math.max(0, p.sent))} of ${formatBytes(p.bytes)}`,
  ];
  if (secs >= 1) parts.push(`${formatBytes(Math.round(rate))}/s`);
  if (secs >= 1 && rate > 0 && p.sent < p.bytes) {
    parts.push(`ETA ${formatDuration(((p.bytes - p.sent) / rate) * 1000)}`);
  }
  return parts.join(" · ");
}

/** The one summary line of a run. */
export function summaryLine(s: PushSummary, dryRun: boolean, stateFile?: string): string {
  const took = formatDuration(s.durationMs);
  if (dryRun) {
    const bytes = s.results.filter((r) => r.status === "dry-run").reduce((n, r) => n + r.size, 0);
    const skipped = s.skipped
      ? `, ${s.skipped} unchanged since the last push (would be skipped)`
      : "";
    return `dry run: ${s.planned} ${plural(s.planned, "file")} (${formatBytes(bytes)}) would be pushed${skipped}; nothing was sent`;
  }
  const parts = [`${s.linked} linked`];
  if (s.alreadyLinked) parts[0] += ` (${s.alreadyLinked} already linked)`;
  if (s.skipped) parts.push(`${s.skipped} skipped (unchanged)`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.notStarted) parts.push(`${s.notStarted} not started`);
  const rate =
    s.bytes > 0 && s.durationMs > 0
      ? ` (${formatBytes(Math.round((s.bytes / s.durationMs) * 1000))}/s)`
      : "";
  const head = s.interrupted ? "interrupted: " : s.fatal ? "stopped: " : "";
  const state = s.interrupted && stateFile ? `; state saved to ${stateFile}` : "";
  return `${head}${s.total} ${plural(s.total, "file")}: ${parts.join(", ")} · ${formatBytes(s.bytes)} in ${took}${rate}${state}`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** "850ms", "4.2s", "3m 05s", "1h 02m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

function clean(text: string): string {
  return stripControl(text).replace(/[\r\n]/g, " ");
}
