import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import pLimit from "p-limit";
import { GrcError } from "../../errors.js";
import type { StrataApi, StrataCaseEvidence } from "../../platforms/strata/index.js";
import { contentTypeFor } from "../evidence/content-type.js";
import { type DiscoveredFile, uploadFilename } from "../evidence/discovery.js";
import { FileChangedError, hashingReadStream } from "../evidence/hashing-stream.js";
import type { ReceiptEntry, ReceiptWriter } from "../evidence/receipt.js";
import type { PushState, StateScope } from "../evidence/state-store.js";

/**
 * Case evidence upload: the `grc evidence push` machinery (discovery, the hashing stream,
 * receipts, state, bounded concurrency) pointed at StrataGRC's multipart endpoint. Each file
 * is read once: its bytes go through a SHA-256 counter straight into the request body, and
 * the digest travels as a form field after the file, so nothing is buffered and the server
 * can check what it received. A file whose server-side hash differs fails.
 */

/** The outcome of one file. */
export interface CaseEvidenceResult {
  path: string;
  size: number;
  sha256: string | null;
  content_type: string;
  case_id: number;
  evidence_id: number | string | null;
  filename: string;
  created: boolean | null;
  status: "uploaded" | "skipped" | "failed";
  error: string | null;
}

/** What the uploader tells its caller as files finish. */
export type CaseEvidenceEvent =
  | { type: "started"; file: DiscoveredFile }
  | { type: "bytes"; file: DiscoveredFile; bytes: number }
  | { type: "finished"; result: CaseEvidenceResult };

/** Inputs of one upload run. */
export interface CaseEvidenceRun {
  strata: StrataApi;
  caseId: number;
  files: readonly DiscoveredFile[];
  concurrency: number;
  description?: string | undefined;
  /** Scope of state entries and receipt lines (the profile's server and organization). */
  scope: StateScope;
  state?: PushState | undefined;
  /** Upload even what the state says is already on the case. */
  force?: boolean;
  receipt?: ReceiptWriter | undefined;
  /** Once aborted no new file starts; files in flight finish (as `evidence push` does). */
  signal?: AbortSignal;
  onEvent?: (event: CaseEvidenceEvent) => void;
  now?: () => Date;
}

/** A multipart/form-data body streamed from a file, with the SHA-256 sent after it. */
export interface MultipartFileBody {
  contentType: string;
  /** Exact byte length, known before the first byte is sent (no chunked encoding). */
  contentLength: number;
  /** A fresh stream of the whole body (called again on a retry). */
  open(): Readable;
  /** SHA-256 of the file as last streamed (set once the file part has been read). */
  sha256(): string | undefined;
}

/** Makes a header-safe quoted value (browsers percent-encode quotes and drop line breaks). */
function quoted(value: string): string {
  return value.replace(/"/g, "%22").replace(/[\r\n]/g, " ");
}

/**
 * Builds the multipart body for one file: optional `description`, the `file` part, then a
 * `sha256` part whose 64 hex characters are computed while the file streams.
 */
export function multipartFileBody(input: {
  path: string;
  size: number;
  filename: string;
  contentType: string;
  description?: string | undefined;
  onBytes?: (n: number) => void;
}): MultipartFileBody {
  const boundary = `grc-${randomBytes(12).toString("hex")}`;
  const description =
    input.description === undefined
      ? ""
      : `--${boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n${input.description}\r\n`;
  const head = Buffer.from(
    `${description}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(input.filename)}"\r\nContent-Type: ${input.contentType}\r\n\r\n`,
  );
  const tail = (sha: string) =>
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n${sha}\r\n--${boundary}--\r\n`,
    );
  const tailLength = tail("0".repeat(64)).length;
  let digest: string | undefined;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + input.size + tailLength,
    sha256: () => digest,
    open() {
      digest = undefined;
      async function* parts(): AsyncGenerator<Buffer> {
        yield head;
        const counter = hashingReadStream(input.path, input.size, input.onBytes);
        for await (const chunk of counter) yield chunk as Buffer;
        digest = counter.sha256!;
        yield tail(digest);
      }
      return Readable.from(parts(), { objectMode: false });
    },
  };
}

/** The control a case's evidence is filed under in discovery, push state and receipts. */
export function caseTarget(caseId: number) {
  return { control_id: `strata-case:${caseId}` };
}

/**
 * Uploads files to a case with bounded concurrency; one failed file never stops the others.
 * An authentication or permission failure stops taking new files and is rethrown at the end
 * (every file would fail the same way).
 */
export async function uploadCaseEvidence(run: CaseEvidenceRun): Promise<CaseEvidenceResult[]> {
  const limit = pLimit(run.concurrency);
  const now = run.now ?? (() => new Date());
  const target = caseTarget(run.caseId);
  let fatal: GrcError | undefined;
  const results: CaseEvidenceResult[] = [];

  const finish = (result: CaseEvidenceResult) => {
    results.push(result);
    run.onEvent?.({ type: "finished", result });
    return result;
  };

  const one = async (file: DiscoveredFile): Promise<void> => {
    if (fatal || run.signal?.aborted) return;
    const filename = uploadFilename(file.path);
    const contentType = contentTypeFor(file.path);
    const base = {
      path: file.path,
      size: file.size,
      content_type: contentType,
      case_id: run.caseId,
      filename,
    };
    const known = run.force ? undefined : run.state?.lookup(file, target, run.scope);
    if (known) {
      finish({
        ...base,
        sha256: known.sha256,
        evidence_id: Number(known.lineage_id),
        created: false,
        status: "skipped",
        error: null,
      });
      return;
    }
    run.onEvent?.({ type: "started", file });
    const startedAt = now().toISOString();
    const body = multipartFileBody({
      path: file.absPath,
      size: file.size,
      filename,
      contentType,
      description: run.description,
      onBytes: (bytes) => run.onEvent?.({ type: "bytes", file, bytes }),
    });
    let stored: StrataCaseEvidence;
    try {
      stored = await run.strata.uploadCaseEvidence(
        run.caseId,
        () => body.open(),
        body.contentType,
        body.contentLength,
      );
    } catch (err) {
      if (err instanceof GrcError && err.exitCode === 3) fatal ??= err;
      const message =
        err instanceof FileChangedError || (err as Error)?.cause instanceof FileChangedError
          ? `${file.path} changed while it was read; upload it again once it is complete`
          : err instanceof GrcError
            ? err.line()
            : err instanceof Error
              ? err.message
              : String(err);
      finish({
        ...base,
        sha256: body.sha256() ?? null,
        evidence_id: null,
        created: null,
        status: "failed",
        error: message,
      });
      return;
    }
    const local = body.sha256();
    // Never believe the server about what we can check: a hash it reports must be ours (any
    // letter case). A server that reports none is trusted with its own check of the sha256
    // field we sent (recorded as verified: false).
    if (!local || (stored.sha256 !== undefined && stored.sha256 !== local)) {
      finish({
        ...base,
        sha256: local ?? null,
        evidence_id: stored.id,
        created: stored.created,
        status: "failed",
        error: `SHA-256 mismatch: sent ${local ?? "(unknown)"}, StrataGRC stored ${stored.sha256}`,
      });
      return;
    }
    const uploadedAt = now().toISOString();
    const objectKey = `strata/cases/${run.caseId}/evidence/${stored.id}`;
    run.state?.record({
      real_path: file.realPath,
      size: file.size,
      mtime_ms: file.mtimeMs,
      sha256: local,
      control_id: target.control_id,
      framework_id: null,
      assessment_id: null,
      object_key: objectKey,
      lineage_id: String(stored.id),
      base_url: run.scope.base_url,
      org_id: run.scope.org_id,
      linked_at: uploadedAt,
    });
    const entry: ReceiptEntry = {
      type: "evidence",
      path: file.path,
      abs_path: file.absPath,
      size: file.size,
      sha256: local,
      content_type: contentType,
      object_key: objectKey,
      evidence_id: local,
      lineage_id: String(stored.id),
      control_id: target.control_id,
      framework_id: null,
      assessment_id: null,
      created: stored.created !== false,
      verified: stored.sha256 !== undefined,
      base_url: run.scope.base_url,
      org_id: run.scope.org_id,
      times: {
        upload_url_at: startedAt,
        uploaded_at: uploadedAt,
        verified_at: uploadedAt,
        linked_at: uploadedAt,
      },
    };
    run.receipt?.append(entry);
    finish({
      ...base,
      sha256: local,
      evidence_id: stored.id,
      created: stored.created,
      status: "uploaded",
      error: null,
    });
  };

  await Promise.all(run.files.map((file) => limit(() => one(file))));
  if (fatal) throw fatal;
  return results;
}
