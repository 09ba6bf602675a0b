import { createHash, type Hash } from "node:crypto";
import { constants, createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { type FileHandle, lstat, open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { finished } from "node:stream/promises";
import { UsageError } from "../../errors.js";
import type { CiContext } from "../audit/ci-context.js";
import { hashFile } from "./hashing-stream.js";

/**
 * A receipt is the audit trail of one push: NDJSON, one line per linked file, then a summary
 * line. It never holds a presigned URL or a credential, only what an auditor needs to find
 * each object again.
 *
 * Version 2 (written since 0.2): the summary's last member, `"sha256":"<hex>"`, is the
 * SHA-256 of every byte of the file before those 64 hex digits: the evidence lines and the
 * summary's own fields are covered, so `head -c -67 receipt | sha256sum` checks it. Version 1
 * summaries hashed only the evidence lines; they are still verified, and said to be v1.
 *
 * Version 3 (written when a run skipped files) is version 2 plus one `"type":"skipped"` line
 * per file skipped as unchanged since an earlier push: what the state file knows of it
 * (evidence id, lineage, SHA-256, when it was linked). Its summary's `skipped` equals the
 * number of those lines, and `lines` counts them too. A run that skipped nothing still writes
 * version 2, byte for byte as before; grc before 0.3 rejects version 3 ("unknown version").
 */

/** UTC times of each step of one file (ISO 8601). */
export interface ReceiptTimes {
  upload_url_at: string;
  uploaded_at: string;
  verified_at: string | null;
  linked_at: string;
}

/** One receipt line per linked file. */
export interface ReceiptEntry {
  type: "evidence";
  path: string;
  abs_path: string;
  size: number;
  sha256: string;
  content_type: string;
  object_key: string;
  evidence_id: string;
  lineage_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  created: boolean;
  verified: boolean;
  base_url: string;
  org_id: string;
  times: ReceiptTimes;
}

/**
 * One receipt line per file skipped as unchanged (version 3): not sent by this run, linked
 * by an earlier one, as the state file recorded it. `linked_at` is that earlier link's time.
 */
export interface ReceiptSkipped {
  type: "skipped";
  path: string;
  abs_path: string;
  size: number;
  sha256: string;
  object_key: string;
  evidence_id: string;
  lineage_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  /** Why it was not sent: only "unchanged" (size and mtime as when it was linked) so far. */
  reason: "unchanged";
  base_url: string;
  org_id: string;
  linked_at: string;
}

/** The last line: counts, the CI context and the SHA-256 that seals the receipt. */
export interface ReceiptSummary {
  type: "summary";
  version: 1 | 2 | 3;
  base_url: string;
  org_id: string;
  started_at: string;
  finished_at: string;
  /** Number of lines before the summary (evidence lines, and skipped lines in version 3). */
  lines: number;
  bytes: number;
  linked: number;
  skipped: number;
  failed: number;
  interrupted: boolean;
  /** Where the run happened (version 2; null outside CI). */
  ci?: CiContext | null;
  /** v2, v3: SHA-256 of every byte before its hex value; v1: of the evidence lines. */
  sha256: string;
}

/** What the caller supplies when closing a receipt. */
export type ReceiptCloseInfo = Omit<
  ReceiptSummary,
  "type" | "version" | "lines" | "bytes" | "sha256" | "ci"
> & { ci?: CiContext | null };

/** Longest line `receipt verify` reads (a grc line is about 1 KiB). */
export const MAX_RECEIPT_LINE = 1024 * 1024;
/** Deepest JSON nesting a receipt line may have (an evidence line has 2). */
const MAX_DEPTH = 8;

/**
 * Opens a file for writing the way receipts and signatures must be written: never through a
 * symlink, never over a file of another user or a non-regular file (a planted receipt path
 * must not redirect grc's output). Creates the file 0644, or truncates it.
 */
export async function openOutputFile(file: string, what: string): Promise<FileHandle> {
  const fix =
    what === "export"
      ? "pass -o with a regular file you own"
      : "pass --receipt with a regular file you own";
  const before = await lstat(file).catch(() => undefined);
  if (before?.isSymbolicLink()) {
    throw new UsageError(`refusing to write ${what} ${file}: it is a symlink`, fix);
  }
  if (before && !before.isFile()) {
    throw new UsageError(`refusing to write ${what} ${file}: it is not a regular file`, fix);
  }
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  if (before && uid !== undefined && before.uid !== uid) {
    throw new UsageError(`refusing to write ${what} ${file}: it belongs to another user`, fix);
  }
  try {
    // O_NOFOLLOW closes the race between the check and the open.
    return await open(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0),
      0o644,
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(
      code === "ELOOP"
        ? `refusing to write ${what} ${file}: it is a symlink`
        : `cannot write ${what} ${file}: ${code}`,
      fix,
    );
  }
}

/** Appends receipt lines as files link, hashing them on the way; `close` adds the summary. */
export class ReceiptWriter {
  private readonly hash: Hash = createHash("sha256");
  private lineCount = 0;
  private skipCount = 0;
  private byteCount = 0;
  private failure: Error | undefined;

  private constructor(
    readonly file: string,
    private readonly out: WriteStream,
  ) {
    out.on("error", (err) => {
      this.failure ??= err;
    });
  }

  /** Creates (or truncates) the receipt file; fails early when it cannot or must not be written. */
  static async open(file: string): Promise<ReceiptWriter> {
    const handle = await openOutputFile(file, "receipt");
    return new ReceiptWriter(file, createWriteStream("", { fd: handle }));
  }

  /** Adds one linked file. */
  append(entry: ReceiptEntry): void {
    this.writeLine(JSON.stringify(entry));
    this.lineCount += 1;
    this.byteCount += entry.size;
  }

  /** Adds one file skipped as unchanged (makes the receipt version 3). */
  appendSkipped(entry: ReceiptSkipped): void {
    this.writeLine(JSON.stringify(entry));
    this.skipCount += 1;
  }

  /**
   * Writes the summary line (version 3 when skipped lines were written, else 2) and closes
   * the file; throws when any write failed.
   */
  async close(info: ReceiptCloseInfo): Promise<ReceiptSummary> {
    const head: Omit<ReceiptSummary, "sha256"> = {
      type: "summary",
      version: this.skipCount > 0 ? 3 : 2,
      base_url: info.base_url,
      org_id: info.org_id,
      started_at: info.started_at,
      finished_at: info.finished_at,
      lines: this.lineCount + this.skipCount,
      bytes: this.byteCount,
      linked: info.linked,
      skipped: info.skipped,
      failed: info.failed,
      interrupted: info.interrupted,
      ci: info.ci ?? null,
    };
    const prefix = `${JSON.stringify(head).slice(0, -1)},"sha256":"`;
    this.hash.update(prefix);
    const sha256 = this.hash.digest("hex");
    this.out.write(`${prefix}${sha256}"}\n`);
    // Wait for 'close', not 'finish': a failed write (ENOSPC, EFBIG) reports after end().
    if (!this.out.destroyed) this.out.end();
    await finished(this.out).catch(() => undefined);
    if (this.failure) {
      throw new UsageError(
        `cannot write receipt ${this.file}: ${(this.failure as NodeJS.ErrnoException).code ?? this.failure.message}`,
        "check free disk space and permissions; the state file records what was linked",
      );
    }
    return { ...head, sha256 };
  }

  private writeLine(json: string): void {
    const line = `${json}\n`;
    this.hash.update(line);
    if (!this.out.destroyed) this.out.write(line);
  }
}

/** One problem found while checking a receipt. */
export interface ReceiptProblem {
  line: number;
  path?: string | undefined;
  message: string;
}

/** What `grc evidence receipt verify` found. */
export interface ReceiptCheck {
  ok: boolean;
  /** Summary version (1, 2 or 3), undefined without a summary. */
  version: 1 | 2 | 3 | undefined;
  entries: number;
  /** Skipped lines (version 3): files unchanged since an earlier push, not sent by this run. */
  skippedEntries: number;
  bytes: number;
  summary: ReceiptSummary | undefined;
  /** Files re-hashed (with `files: true`). */
  filesChecked: number;
  problems: ReceiptProblem[];
  /** Things an auditor should know that are not failures (a version 1 summary). */
  notes: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const V2_TAIL = /,"sha256":"([0-9a-f]{64})"\}$/;

/**
 * Reads a file as lines of at most `maxLine` bytes (without the newline), streaming.
 * Throws UsageError on a longer line: a receipt never has one, and a single 700 MB line
 * must not be held in memory.
 */
export async function* readBoundedLines(
  file: string,
  maxLine: number,
  what: string,
  fix = `name a ${what} written by grc`,
): AsyncGenerator<Buffer> {
  const input = createReadStream(file, { highWaterMark: 64 * 1024 });
  let parts: Buffer[] = [];
  let partLen = 0;
  let lineNo = 0;
  const tooLong = () =>
    new UsageError(
      `${file}: line ${lineNo + 1} is longer than ${Math.round(maxLine / 1024)} KiB: not a ${what}`,
      fix,
    );
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl < 0) break;
        const piece = chunk.subarray(start, nl);
        if (partLen + piece.length > maxLine) throw tooLong();
        const line = partLen ? Buffer.concat([...parts, piece]) : Buffer.from(piece);
        parts = [];
        partLen = 0;
        lineNo += 1;
        yield line;
        start = nl + 1;
      }
      const rest = chunk.subarray(start);
      if (rest.length) {
        if (partLen + rest.length > maxLine) throw tooLong();
        parts.push(Buffer.from(rest));
        partLen += rest.length;
      }
    }
    if (partLen) yield Buffer.concat(parts);
  } finally {
    input.destroy();
  }
}

/** JSON nesting depth of a line, counted outside strings; stops counting past `limit`. */
function depthExceeds(line: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92) i += 1;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 125 || c === 93) depth -= 1;
  }
  return false;
}

/** Parses one receipt line as a JSON object, or says why it is not one. */
function parseLine(line: string): { obj: Record<string, unknown> } | { why: string } {
  if (!line.startsWith("{")) return { why: "not a JSON object" };
  if (depthExceeds(line, MAX_DEPTH)) return { why: `nested deeper than ${MAX_DEPTH} levels` };
  try {
    const obj = JSON.parse(line) as unknown;
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) return { why: "not a JSON object" };
    return { obj: obj as Record<string, unknown> };
  } catch {
    return { why: "not valid JSON" };
  }
}

/**
 * Checks a receipt: every line parses, the summary is last, its SHA-256 matches (v2: every
 * byte before it, summary fields included; v1: the evidence lines), and its counts, bytes,
 * server and organization agree with the lines. With `files`, each file still has the
 * recorded size and SHA-256 (read from `path` relative to `cwd`, else from `abs_path`).
 * Streams the file; lines are bounded (MAX_RECEIPT_LINE), so any input ends in one line.
 */
export async function verifyReceipt(
  file: string,
  options: {
    files?: boolean;
    cwd: string;
    onEntry?: (e: ReceiptEntry) => void;
    onSkipped?: (e: ReceiptSkipped) => void;
  },
): Promise<ReceiptCheck> {
  const notReceipt = "name a receipt written by `grc evidence push --receipt`";
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) {
    throw new UsageError(
      st.code === "ENOENT"
        ? `receipt not found: ${file}`
        : `cannot read receipt ${file}: ${st.code}`,
      notReceipt,
    );
  }
  if (!st.isFile())
    throw new UsageError(`${file} is not a regular file, not a grc receipt`, notReceipt);
  const problems: ReceiptProblem[] = [];
  const notes: string[] = [];
  const body = createHash("sha256");
  const entries: ReceiptEntry[] = [];
  const skippedEntries: ReceiptSkipped[] = [];
  let summary: ReceiptSummary | undefined;
  let sealed: string | undefined;
  let lineNo = 0;
  let bodyLines = 0;
  let bytes = 0;
  for await (const raw of readBoundedLines(file, MAX_RECEIPT_LINE, "grc receipt", notReceipt)) {
    lineNo += 1;
    if (summary) {
      problems.push({ line: lineNo, message: "text after the summary line" });
      continue;
    }
    const line = raw.toString("utf8");
    const parsed = parseLine(line);
    if ("why" in parsed) {
      if (lineNo === 1)
        throw new UsageError(`${file} is not a grc receipt (line 1 is ${parsed.why})`, notReceipt);
      problems.push({ line: lineNo, message: parsed.why });
      body.update(raw).update("\n");
      bodyLines += 1;
      continue;
    }
    const obj = parsed.obj;
    if (obj.type === "summary") {
      summary = obj as unknown as ReceiptSummary;
      const tail = V2_TAIL.exec(line);
      if ((summary.version === 2 || summary.version === 3) && tail) {
        const prefix = raw.subarray(0, raw.length - 66);
        sealed = body.copy().update(prefix).digest("hex");
      }
      continue;
    }
    body.update(raw).update("\n");
    bodyLines += 1;
    if (obj.type === "skipped") {
      const why = skippedProblem(obj);
      if (why) problems.push({ line: lineNo, message: why });
      else {
        skippedEntries.push(obj as unknown as ReceiptSkipped);
        options.onSkipped?.(obj as unknown as ReceiptSkipped);
      }
      continue;
    }
    const why = entryProblem(obj);
    if (why) {
      problems.push({ line: lineNo, message: why });
      continue;
    }
    const entry = obj as unknown as ReceiptEntry;
    entries.push(entry);
    bytes += entry.size;
    options.onEntry?.(entry);
  }
  if (lineNo === 0) throw new UsageError(`${file} is empty, not a grc receipt`, notReceipt);
  const summaryLine = lineNo;
  if (!summary) {
    problems.push({
      line: lineNo,
      message:
        "no summary line: the receipt is incomplete (the push was killed or the file cut short)",
    });
  } else {
    const altered = (what: string) =>
      problems.push({ line: summaryLine, message: `${what}: the receipt was altered` });
    if (summary.version === 2 || summary.version === 3) {
      if (sealed === undefined) altered("the summary does not end with its SHA-256");
      else if (sealed !== summary.sha256) {
        altered("the summary's SHA-256 does not match the lines before it");
      }
    } else if (summary.version === 1) {
      notes.push(
        "version 1 receipt: its SHA-256 covers the evidence lines but not the summary line itself",
      );
      if (summary.sha256 !== body.digest("hex")) {
        altered("the summary's SHA-256 does not match the lines before it");
      }
    } else {
      problems.push({ line: summaryLine, message: "unknown receipt version" });
    }
    crossCheck(summary, entries, bodyLines, bytes, summaryLine, problems);
    skippedCheck(summary, skippedEntries, summaryLine, problems);
  }
  let filesChecked = 0;
  if (options.files) {
    for (const entry of [...entries, ...skippedEntries]) {
      const why = await fileProblem(entry, options.cwd);
      filesChecked += 1;
      if (why) problems.push({ line: 0, path: entry.path, message: why });
    }
  }
  return {
    ok: problems.length === 0,
    version:
      summary && (summary.version === 1 || summary.version === 2 || summary.version === 3)
        ? summary.version
        : undefined,
    entries: entries.length,
    skippedEntries: skippedEntries.length,
    bytes,
    summary,
    filesChecked,
    problems,
    notes,
  };
}

/** The summary must agree with the lines: counts, bytes, server, organization and times. */
function crossCheck(
  s: ReceiptSummary,
  entries: ReceiptEntry[],
  bodyLines: number,
  bytes: number,
  line: number,
  problems: ReceiptProblem[],
): void {
  const add = (message: string) => problems.push({ line, message });
  if (s.lines !== bodyLines)
    add(`the summary counts ${s.lines} lines but the receipt holds ${bodyLines}`);
  if (s.linked !== entries.length) {
    add(
      `the summary says ${s.linked} linked but the receipt holds ${entries.length} evidence lines`,
    );
  }
  if (s.bytes !== bytes)
    add(`the summary says ${s.bytes} bytes but the evidence lines add up to ${bytes}`);
  for (const k of ["skipped", "failed"] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) add(`the summary's ${k} is not a count`);
  }
  if (typeof s.interrupted !== "boolean") add("the summary's interrupted is not true or false");
  const servers = new Set(entries.map((e) => e.base_url));
  const orgs = new Set(entries.map((e) => e.org_id));
  if ([...servers].some((b) => b !== s.base_url)) {
    add(
      `the summary names base URL ${s.base_url} but evidence lines name ${[...servers].join(", ")}`,
    );
  }
  if ([...orgs].some((o) => o !== s.org_id)) {
    add(`the summary names org ${s.org_id} but evidence lines name ${[...orgs].join(", ")}`);
  }
  const late = entries.find(
    (e) => e.times?.linked_at < s.started_at || e.times?.linked_at > s.finished_at,
  );
  if (late) {
    add(
      `${late.path} was linked at ${late.times.linked_at}, outside the run's ${s.started_at} .. ${s.finished_at}`,
    );
  }
}

/**
 * Version 3's skipped lines: as many as the summary's `skipped`, on its server and
 * organization; a version 1 or 2 receipt has none.
 */
function skippedCheck(
  s: ReceiptSummary,
  skipped: ReceiptSkipped[],
  line: number,
  problems: ReceiptProblem[],
): void {
  const add = (message: string) => problems.push({ line, message });
  if (s.version !== 3) {
    if (skipped.length > 0) add(`a version ${s.version} receipt holds skipped lines`);
    return;
  }
  if (s.skipped !== skipped.length) {
    add(
      `the summary says ${s.skipped} skipped but the receipt holds ${skipped.length} skipped lines`,
    );
  }
  const other = skipped.find((e) => e.base_url !== s.base_url || e.org_id !== s.org_id);
  if (other) {
    add(`${other.path} is on ${other.base_url} org ${other.org_id}, not the summary's`);
  }
}

function skippedProblem(obj: Record<string, unknown>): string | undefined {
  for (const k of ["path", "object_key", "lineage_id", "control_id", "base_url", "org_id"]) {
    if (typeof obj[k] !== "string" || obj[k] === "") return `skipped line: missing ${k}`;
  }
  if (typeof obj.size !== "number" || !Number.isSafeInteger(obj.size) || obj.size < 0)
    return "skipped line: missing size";
  if (typeof obj.sha256 !== "string" || !HEX64.test(obj.sha256))
    return "skipped line: sha256 is not a SHA-256";
  if (obj.evidence_id !== obj.sha256) return "skipped line: evidence_id differs from sha256";
  if (typeof obj.linked_at !== "string") return "skipped line: missing linked_at";
  return undefined;
}

function entryProblem(obj: Record<string, unknown>): string | undefined {
  if (obj.type !== "evidence") return "not an evidence line";
  for (const k of ["path", "object_key", "lineage_id", "control_id", "base_url", "org_id"]) {
    if (typeof obj[k] !== "string" || obj[k] === "") return `missing ${k}`;
  }
  if (typeof obj.size !== "number" || !Number.isSafeInteger(obj.size) || obj.size < 0)
    return "missing size";
  if (typeof obj.sha256 !== "string" || !HEX64.test(obj.sha256)) return "sha256 is not a SHA-256";
  if (obj.evidence_id !== obj.sha256) return "evidence_id differs from sha256";
  const times = obj.times as Record<string, unknown> | undefined;
  if (!times || typeof times !== "object" || typeof times.linked_at !== "string") {
    return "missing times.linked_at";
  }
  return undefined;
}

async function fileProblem(
  entry: Pick<ReceiptEntry, "path" | "abs_path" | "size" | "sha256">,
  cwd: string,
): Promise<string | undefined> {
  const candidates = [resolve(cwd, entry.path), entry.abs_path].filter(Boolean);
  for (const candidate of candidates) {
    const st = await stat(candidate).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (st.size !== entry.size) return `size is ${st.size}, the receipt says ${entry.size}`;
    try {
      const { sha256 } = await hashFile(candidate, st.size);
      return sha256 === entry.sha256
        ? undefined
        : "SHA-256 differs from the receipt (the file changed)";
    } catch (err) {
      return `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }
  return "file not found";
}
