import type { OutputFormat } from "../../cli/command.js";
import type { IOStreams } from "../../cli/io.js";
import { type Spinner, startSpinner } from "../../cli/spinner.js";
import {
  formatBytes,
  type PushEvent,
  type PushResult,
  type PushSummary,
} from "../../core/evidence/push.js";
import {
  type Column,
  jsonText,
  naturalWidth,
  RecordWriter,
  renderTable,
} from "../../output/records.js";
import { stripControl } from "../../output/sanitize.js";

/**
 * Turns push events into what the user sees: a spinner with files, bytes, rate and ETA on a
 * TTY's stderr; one line per failed file (path and reason, printed once); NDJSON/CSV rows as
 * files finish; a JSON array at the end; and the totals line. Like gh and rclone, a run shows
 * totals and failures, not one row per file: the per-file table comes with `--verbose` or an
 * explicit `--output table` (aligned on a TTY, tab-separated when piped). A dry run always
 * lists its files (the listing is what it is for). `--quiet` leaves only failures.
 *
 * `grc strata cases evidence upload` renders the same way through a RunView: its records
 * (case-evidence rows), its columns and its words ("uploaded to case 4").
 */

/** Width a PATH keeps before the table gives up a column (SHA256, LINEAGE, ...) for it. */
const PATH_ROOM = 32;
/** Characters of a short SHA-256 in a narrow table (like git's short hashes). */
export const SHORT_HASH = 12;

// Columns any record with these keys can use (push results, case-evidence rows).
export const STATUS: Column<unknown> = { key: "status", header: "status" };
export const PATH: Column<unknown> = { key: "path", header: "path", truncate: "middle" };
const CONTROL: Column<unknown> = { key: "control_id", header: "control" };
const LINEAGE: Column<unknown> = { key: "lineage_id", header: "lineage", truncate: "never" };
export const CONTENT_TYPE: Column<unknown> = { key: "content_type", header: "content type" };

/** SIZE: KiB/MiB on a terminal (push and dry run alike), bytes in piped rows for scripts. */
export function sizeColumn(tty: boolean): Column<unknown> {
  return {
    key: "size",
    header: "size",
    align: "right",
    ...(tty ? { format: (v: unknown) => formatBytes(Number(v)) } : {}),
  };
}

/** SHA256, whole (never cut) or as a short prefix that a narrow table shows instead. */
export function hashColumn(chars?: number): Column<unknown> {
  return {
    key: "sha256",
    header: "sha256",
    truncate: "never",
    format: (v) => (typeof v === "string" ? (chars ? v.slice(0, chars) : v) : ""),
  };
}

/**
 * The table's columns, richest first. A terminal gets the first layout that leaves PATH
 * PATH_ROOM characters (or its whole width): the hash is shortened, then LINEAGE, the hash,
 * CONTROL, CONTENT TYPE and SIZE are left out before PATH is cut (in the middle, keeping the
 * file name). Piped rows always carry every column, whole.
 */
export function tableLayouts(dryRun: boolean, tty: boolean): Column<PushResult>[][] {
  const size = sizeColumn(tty);
  if (dryRun) {
    if (!tty) return [[STATUS, PATH, size, hashColumn(), CONTENT_TYPE, CONTROL]];
    const short = hashColumn(SHORT_HASH);
    return [
      [STATUS, PATH, size, hashColumn(), CONTENT_TYPE, CONTROL],
      [STATUS, PATH, size, short, CONTENT_TYPE, CONTROL],
      [STATUS, PATH, size, short, CONTROL],
      [STATUS, PATH, size, short],
      [STATUS, PATH, size],
      [STATUS, PATH],
    ];
  }
  if (!tty) return [[STATUS, PATH, size, CONTROL, hashColumn(), LINEAGE]];
  const short = hashColumn(SHORT_HASH);
  return [
    [STATUS, PATH, size, CONTROL, hashColumn(), LINEAGE],
    [STATUS, PATH, size, CONTROL, short, LINEAGE],
    [STATUS, PATH, size, CONTROL, short],
    [STATUS, PATH, size, CONTROL],
    [STATUS, PATH, size],
    [STATUS, PATH],
  ];
}

/** The per-file table (`--verbose`, `-o table`, dry run) for a terminal of `columns`, or piped. */
export function renderResults<R extends object = PushResult>(
  results: readonly R[],
  opts: {
    dryRun: boolean;
    tty: boolean;
    color: boolean;
    columns: number;
    /** The layouts to choose from, richest first (default: push's, tableLayouts). */
    layouts?: ((dryRun: boolean, tty: boolean) => Column<R>[][]) | undefined;
  },
): string {
  const layouts = (opts.layouts ?? (tableLayouts as unknown as RunView<R>["layouts"]))(
    opts.dryRun,
    opts.tty,
  );
  let chosen = layouts.at(-1)!;
  if (opts.tty) {
    const pathWidth = naturalWidth(results, [PATH]);
    const room = Math.min(pathWidth, PATH_ROOM);
    const fits = layouts.find(
      (cols) => naturalWidth(results, cols) - pathWidth + room <= opts.columns,
    );
    if (fits) chosen = fits;
  }
  return renderTable(results, chosen, opts);
}

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

/** How a run names what it does: push's words by default, a case upload's for cases. */
export interface RunWords {
  /** Spinner verb of a real run: "Pushing" (a dry run is "Hashing"). */
  verb: string;
  /** Status of a file sent: "linked" (`3 linked`). */
  done: string;
  /** A sent file the server already had: "already linked" (`3 linked (1 already linked)`). */
  already: string;
  /** What a dry run's files would be: "pushed" (`would be pushed`). */
  sent: string;
  /** The run as a noun: "push" (`unchanged since the last push`). */
  noun: string;
  /** Where the files go, after "N files": "" or " to case 4". */
  target: string;
}

export const PUSH_WORDS: RunWords = {
  verb: "Pushing",
  done: "linked",
  already: "already linked",
  sent: "pushed",
  noun: "push",
  target: "",
};

/** What a command's users get for each file: the record, its CSV columns, its table layouts. */
export interface RunView<R extends object> {
  /** The record of one result in JSON, NDJSON, CSV and the table. */
  record: (result: PushResult) => R;
  /** CSV columns (NDJSON and JSON carry the whole record). */
  csv: readonly Column<R>[];
  /** Table layouts, richest first (see tableLayouts). */
  layouts: (dryRun: boolean, tty: boolean) => Column<R>[][];
  words: RunWords;
}

/** `grc evidence push`'s view: push results as they are. */
export const PUSH_VIEW: RunView<PushResult> = {
  record: (r) => r,
  csv: CSV_COLUMNS,
  layouts: tableLayouts,
  words: PUSH_WORDS,
};

/** Options of the renderer (from flags and the streams). */
export interface PushOutputOptions {
  io: IOStreams;
  format: OutputFormat;
  quiet: boolean;
  dryRun: boolean;
  /**
   * One row per file in the table format: `--verbose`, or `--output table` given explicitly.
   * Without it a run prints its totals and failures only (JSON, NDJSON and CSV always carry
   * every file; a dry run always lists its files).
   */
  rows?: boolean | undefined;
  /** Monotonic-ish clock in ms (tests). */
  now?: () => number;
}

/** Renders one push run. Call `start` before the run, feed `onEvent`, then `finish`. */
export class PushOutput<R extends object = PushResult> {
  private spinner: Spinner | undefined;
  private readonly writer: RecordWriter<R> | undefined;
  private readonly view: RunView<R>;
  private pending: Promise<void> = Promise.resolve();
  private files = 0;
  private bytes = 0;
  private done = 0;
  private sent = 0;
  private startedAt = 0;
  private lastPaint = 0;
  private readonly samples: { t: number; sent: number; done: number }[] = [];
  private readonly now: () => number;

  constructor(
    private readonly opts: PushOutputOptions,
    /** The records, columns and words of the run (default: push's). */
    view?: RunView<R>,
  ) {
    this.view = view ?? (PUSH_VIEW as unknown as RunView<R>);
    this.now = opts.now ?? (() => Date.now());
    const { io, format } = opts;
    if (format === "ndjson" || format === "csv") {
      this.writer = new RecordWriter<R>(
        { stdout: io.stdout, format, tty: io.stdoutIsTTY, color: false },
        this.view.csv,
      );
    }
  }

  /** Starts the spinner on a TTY (ora is imported only then). */
  async start(): Promise<void> {
    this.startedAt = this.now();
    const { io, quiet } = this.opts;
    if (!io.stderrIsTTY || quiet) return;
    const { verb, target } = this.view.words;
    this.spinner = await startSpinner(io, `${this.opts.dryRun ? "Hashing" : verb} files${target}`);
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
      io.stdout.write(`${jsonText(summary.results.map(this.view.record), 2)}\n`);
    } else if ((dryRun || this.opts.rows) && summary.results.length > 0) {
      // No ERROR column: each failure's reason is on stderr already, whole, once.
      io.stdout.write(
        renderResults(summary.results.map(this.view.record), {
          dryRun,
          tty: io.stdoutIsTTY,
          color: io.colorStdout,
          columns: io.columns > 0 ? io.columns : 120,
          layouts: this.view.layouts,
        }),
      );
    }
    // A run stopped before any file (no credentials, say) ends with its one error line only.
    const nothingDone = summary.fatal && summary.results.length === 0;
    if (!quiet && !nothingDone) {
      io.stderr.write(`${summaryLine(summary, dryRun, extra.stateFile, this.view.words)}\n`);
    }
  }

  private row(result: PushResult): void {
    const writer = this.writer;
    if (!writer) return;
    // Rows go out in the order files finish; the chain keeps writes ordered.
    const record = this.view.record(result);
    this.pending = this.pending.then(() => writer.write(record));
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
    // Rates over the last few seconds: a run whose big file is done and whose small files
    // remain (or the other way round) changes pace; the whole-run average lags behind.
    this.samples.push({ t, sent: this.sent, done: this.done });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= RATE_WINDOW_MS) {
      this.samples.shift();
    }
    const base = this.samples[0]!;
    this.spinner.text = progressText({
      done: this.done,
      files: this.files,
      sent: this.sent,
      bytes: this.bytes,
      elapsedMs: t - this.startedAt,
      verb: this.opts.dryRun ? "Hashing" : this.view.words.verb,
      recent: { ms: t - base.t, sent: this.sent - base.sent, done: this.done - base.done },
      columns: this.opts.io.columns,
    });
  }
}

/** Seconds of progress the ETA's rates are measured over. */
const RATE_WINDOW_MS = 5_000;
/** No ETA before this much of the run: the first rates say little. */
const ETA_AFTER_MS = 2_000;
/** Until a file has finished, files this large on average make the bytes ETA good enough. */
const BIG_FILE = 1024 * 1024;
/** Bytes sent per finished file from which the byte rate measures the link, not latency. */
const BANDWIDTH_FILE = 64 * 1024;

/** What the spinner line is made of. */
export interface Progress {
  done: number;
  files: number;
  sent: number;
  bytes: number;
  elapsedMs: number;
  verb: string;
  /** Progress over the last few seconds (`ms` long); the whole run when left out. */
  recent?: { ms: number; sent: number; done: number } | undefined;
  /** Terminal width: parts are left out (rate, then bytes) until the line fits. */
  columns?: number | undefined;
}

/**
 * The time left, or undefined when there is no honest answer yet. A push spends time per
 * byte (the upload) and per file (four requests: upload URL, PUT, verify, link), so the
 * estimate is the larger of "bytes left at the byte rate" and "files left at the file rate".
 * Hidden during the first two seconds, below one second, above four days, and while no
 * file has finished unless the files left are big enough (1 MiB on average) for bytes to
 * dominate. The byte rate counts only once the files finished were big enough (64 KiB on
 * average) for it to measure the link rather than the server's answers.
 */
export function etaMs(p: Progress): number | undefined {
  const filesLeft = p.files - p.done;
  if (p.elapsedMs < ETA_AFTER_MS || filesLeft <= 0) return undefined;
  const window = p.recent && p.recent.ms >= 1000 ? p.recent : undefined;
  const byteRate = window ? window.sent / window.ms : p.sent / p.elapsedMs;
  const fileRate =
    window && window.done > 0 ? window.done / window.ms : p.done > 0 ? p.done / p.elapsedMs : 0;
  const bytesLeft = Math.max(0, p.bytes - p.sent);
  // Small files finish at the server's pace, not the link's: their bytes per second say
  // nothing about how fast the big files left will go (200 files of 7 bytes made 180 B/s,
  // and 5 MiB left "ETA 6h 59m").
  const perFile = p.done > 0 ? p.sent / p.done : Number.POSITIVE_INFINITY;
  const byBytes =
    bytesLeft > 0 && byteRate > 0 && perFile >= BANDWIDTH_FILE ? bytesLeft / byteRate : undefined;
  let eta: number | undefined;
  if (fileRate > 0) eta = Math.max(byBytes ?? 0, filesLeft / fileRate);
  else if (byBytes !== undefined && bytesLeft / filesLeft >= BIG_FILE) eta = byBytes;
  if (eta === undefined || eta < 1000 || eta > 4 * 24 * 3600 * 1000) return undefined;
  return eta;
}

/** The spinner text: files done/total, bytes, rate and ETA, cut to the terminal's width. */
export function progressText(p: Progress): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.sent / secs : 0;
  const files = `${p.verb} ${p.done}/${p.files} files`;
  const bytes = `${formatBytes(Math.max(0, p.sent))} of ${formatBytes(p.bytes)}`;
  const speed = secs >= 1 ? `${formatBytes(Math.round(rate))}/s` : undefined;
  const left = etaMs(p);
  const eta = left === undefined ? undefined : `ETA ${formatDuration(left)}`;
  const candidates = [[files, bytes, speed, eta], [files, bytes, eta], [files, eta], [files]].map(
    (parts) => parts.filter((x): x is string => x !== undefined).join(" · "),
  );
  // The spinner's frame and a space come first; a line that wraps redraws badly.
  const room = p.columns && p.columns > 0 ? p.columns - 3 : Number.POSITIVE_INFINITY;
  return candidates.find((text) => text.length <= room) ?? candidates.at(-1)!;
}

/** The one summary line of a run. */
export function summaryLine(
  s: PushSummary,
  dryRun: boolean,
  stateFile?: string,
  words: RunWords = PUSH_WORDS,
): string {
  const took = formatDuration(s.durationMs);
  if (dryRun) {
    const bytes = s.results.filter((r) => r.status === "dry-run").reduce((n, r) => n + r.size, 0);
    const skipped = s.skipped
      ? `, ${s.skipped} unchanged since the last ${words.noun} (would be skipped)`
      : "";
    return `dry run: ${s.planned} ${plural(s.planned, "file")} (${formatBytes(bytes)}) would be ${words.sent}${words.target}${skipped}; nothing was sent`;
  }
  const parts = [`${s.linked} ${words.done}`];
  if (s.alreadyLinked) parts[0] += ` (${s.alreadyLinked} ${words.already})`;
  if (s.skipped) parts.push(`${s.skipped} skipped (unchanged)`);
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.notStarted) parts.push(`${s.notStarted} not started`);
  const rate =
    s.bytes > 0 && s.durationMs > 0
      ? ` (${formatBytes(Math.round((s.bytes / s.durationMs) * 1000))}/s)`
      : "";
  const head = s.interrupted ? "interrupted: " : s.fatal ? "stopped: " : "";
  const state = s.interrupted && stateFile ? `; state saved to ${stateFile}` : "";
  return `${head}${s.total} ${plural(s.total, "file")}${words.target}: ${parts.join(", ")} · ${formatBytes(s.bytes)} in ${took}${rate}${state}`;
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
