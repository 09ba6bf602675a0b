import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { UsageError } from "../../errors.js";
import { hashFile } from "./hashing-stream.js";

/**
 * A receipt is the audit trail of one push: NDJSON, one line per linked file, then a summary
 * line holding the SHA-256 of every byte before it. It never holds a presigned URL or a
 * credential, only what an auditor needs to find each object again.
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

/** The last line: counts and the SHA-256 over all previous lines (bytes incl. newlines). */
export interface ReceiptSummary {
  type: "summary";
  version: 1;
  base_url: string;
  org_id: string;
  started_at: string;
  finished_at: string;
  /** Number of evidence lines before the summary. */
  lines: number;
  bytes: number;
  linked: number;
  skipped: number;
  failed: number;
  interrupted: boolean;
  sha256: string;
}

/** Appends receipt lines as files link, hashing them on the way; `close` adds the summary. */
export class ReceiptWriter {
  private readonly hash: Hash = createHash("sha256");
  private lineCount = 0;
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

  /** Creates (or truncates) the receipt file; fails early when it cannot be written. */
  static async open(file: string): Promise<ReceiptWriter> {
    const out = createWriteStream(file, { flags: "w", mode: 0o644 });
    await new Promise<void>((res, rej) => {
      out.once("open", () => res());
      out.once("error", (err: NodeJS.ErrnoException) =>
        rej(
          new UsageError(
            `cannot write receipt ${file}: ${err.code ?? err.message}`,
            "pass --receipt with a writable path",
          ),
        ),
      );
    });
    return new ReceiptWriter(file, out);
  }

  /** Adds one linked file. */
  append(entry: ReceiptEntry): void {
    this.writeLine(JSON.stringify(entry));
    this.lineCount += 1;
    this.byteCount += entry.size;
  }

  /** Writes the summary line and closes the file. */
  async close(
    info: Omit<ReceiptSummary, "type" | "version" | "lines" | "bytes" | "sha256">,
  ): Promise<ReceiptSummary> {
    const summary: ReceiptSummary = {
      type: "summary",
      version: 1,
      ...info,
      lines: this.lineCount,
      bytes: this.byteCount,
      sha256: this.hash.digest("hex"),
    };
    this.out.write(`${JSON.stringify(summary)}\n`);
    await new Promise<void>((res) => this.out.end(res));
    if (this.failure) {
      throw new UsageError(
        `cannot write receipt ${this.file}: ${(this.failure as NodeJS.ErrnoException).code ?? this.failure.message}`,
        "check free disk space and permissions",
      );
    }
    return summary;
  }

  private writeLine(json: string): void {
    const line = `${json}\n`;
    this.hash.update(line);
    this.out.write(line);
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
  entries: number;
  bytes: number;
  summary: ReceiptSummary | undefined;
  /** Files re-hashed (with `files: true`). */
  filesChecked: number;
  problems: ReceiptProblem[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks a receipt: every line parses, the summary is last, its counts and SHA-256 match the
 * lines before it; with `files`, each file still has the recorded size and SHA-256 (read
 * from `path` relative to `cwd`, else from `abs_path`). Streams the file line by line.
 */
export async function verifyReceipt(
  file: string,
  options: { files?: boolean; cwd: string; onEntry?: (e: ReceiptEntry) => void },
): Promise<ReceiptCheck> {
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) {
    throw new UsageError(
      st.code === "ENOENT"
        ? `receipt not found: ${file}`
        : `cannot read receipt ${file}: ${st.code}`,
      "name a receipt written by `grc evidence push --receipt`",
    );
  }
  const problems: ReceiptProblem[] = [];
  const hash = createHash("sha256");
  const entries: ReceiptEntry[] = [];
  let summary: ReceiptSummary | undefined;
  let lineNo = 0;
  let bodyLines = 0;
  let bytes = 0;
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lineNo += 1;
    if (summary) {
      problems.push({ line: lineNo, message: "text after the summary line" });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      if (lineNo === 1) {
        throw new UsageError(
          `${file} is not a grc receipt (line 1 is not JSON)`,
          "name a receipt written by `grc evidence push --receipt`",
        );
      }
      problems.push({ line: lineNo, message: "not valid JSON" });
      hash.update(`${line}\n`);
      bodyLines += 1;
      continue;
    }
    const obj = parsed as Record<string, unknown>;
    if (obj?.type === "summary") {
      summary = obj as unknown as ReceiptSummary;
      continue;
    }
    hash.update(`${line}\n`);
    bodyLines += 1;
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
  if (lineNo === 0) {
    throw new UsageError(
      `${file} is empty, not a grc receipt`,
      "name a receipt written by `grc evidence push --receipt`",
    );
  }
  if (!summary) {
    problems.push({
      line: lineNo,
      message:
        "no summary line: the receipt is incomplete (the push was killed or the file cut short)",
    });
  } else {
    const digest = hash.digest("hex");
    if (summary.sha256 !== digest) {
      problems.push({
        line: lineNo,
        message:
          "the summary's SHA-256 does not match the lines before it: the receipt was altered",
      });
    }
    if (summary.lines !== bodyLines) {
      problems.push({
        line: lineNo,
        message: `the summary counts ${summary.lines} lines but the receipt holds ${bodyLines}`,
      });
    }
  }
  let filesChecked = 0;
  if (options.files) {
    for (const entry of entries) {
      const why = await fileProblem(entry, options.cwd);
      filesChecked += 1;
      if (why) problems.push({ line: 0, path: entry.path, message: why });
    }
  }
  return {
    ok: problems.length === 0,
    entries: entries.length,
    bytes,
    summary,
    filesChecked,
    problems,
  };
}

function entryProblem(obj: Record<string, unknown> | null): string | undefined {
  if (!obj || typeof obj !== "object" || obj.type !== "evidence") return "not an evidence line";
  for (const k of ["path", "object_key", "lineage_id", "control_id", "base_url", "org_id"]) {
    if (typeof obj[k] !== "string" || obj[k] === "") return `missing ${k}`;
  }
  if (typeof obj.size !== "number" || obj.size < 0) return "missing size";
  if (typeof obj.sha256 !== "string" || !HEX64.test(obj.sha256)) return "sha256 is not a SHA-256";
  if (obj.evidence_id !== obj.sha256) return "evidence_id differs from sha256";
  return undefined;
}

async function fileProblem(entry: ReceiptEntry, cwd: string): Promise<string | undefined> {
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
