import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { ExitCode, GrcError } from "../../errors.js";
import type { RequestBody } from "../../http/types.js";
import type { UploadDestination, Uploaded, UploadJob } from "../evidence/destination.js";
import { uploadFilename } from "../evidence/discovery.js";
import { FileFailure } from "../evidence/file-reader.js";
import { type HashingCounter, hashingReadStream } from "../evidence/hashing-stream.js";
import type { PushResult } from "../evidence/push.js";

/**
 * Case evidence upload: StrataGRC's destination for the evidence-upload pipeline (discovery,
 * decision, state, receipt, concurrency and events are `grc evidence push`'s). Each file is
 * read once: its bytes go through a SHA-256 counter straight into one multipart POST, and
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
  status: "uploaded" | "skipped" | "failed" | "dry-run";
  error: string | null;
}

/** What a StrataGRC case-evidence record says about a stored file. */
export interface CaseEvidenceRecord {
  id: number | string;
  /** The server's SHA-256 of what it stored, lower-cased; undefined when it did not say. */
  sha256: string | undefined;
  /** false when the case already held this file; null/undefined when the server did not say. */
  created?: boolean | null | undefined;
}

/** The one endpoint the destination calls (StrataGRC's multipart case-evidence POST). */
export interface CaseEvidenceApi {
  uploadCaseEvidence(
    caseId: number,
    body: RequestBody,
    contentType: string,
    contentLength: number,
  ): Promise<CaseEvidenceRecord>;
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
  /** The file's bytes through a SHA-256 counter (default: read from `path`). */
  source?: () => HashingCounter;
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
        const counter = input.source
          ? input.source()
          : hashingReadStream(input.path, input.size, input.onBytes);
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

/** The object key grc files a case's evidence record under (state and receipt). */
function objectKeyOf(caseId: number, id: number | string): string {
  return `strata/cases/${caseId}/evidence/${id}`;
}

/** The destination: one multipart POST per file to the case, its SHA-256 checked. */
export function caseEvidenceDestination(options: {
  strata: CaseEvidenceApi;
  caseId: number;
  description?: string | undefined;
}): UploadDestination {
  const { strata, caseId } = options;
  return {
    // An authentication or permission failure stops the run (every file would fail alike).
    classify: (err) =>
      err instanceof GrcError && err.exitCode === ExitCode.auth ? "fatal" : "file",
    fatalError: (err) =>
      err instanceof GrcError ? err : new GrcError(String(err), ExitCode.unavailable),
    async upload(job: UploadJob): Promise<Uploaded> {
      const { file, opened, now, times, at, emit } = job;
      times.upload_url_at = now().toISOString();
      at.step = "upload";
      const onBytes = (n: number) => emit({ type: "progress", path: file.path, bytes: n });
      const body = multipartFileBody({
        path: file.realPath,
        size: opened.size,
        filename: uploadFilename(file.path),
        contentType: job.contentType,
        description: options.description,
        source: () => {
          const sent = opened.last?.bytes ?? 0;
          if (sent > 0) onBytes(-sent);
          return opened.stream(onBytes);
        },
      });
      const stored = await strata.uploadCaseEvidence(
        caseId,
        () => body.open(),
        body.contentType,
        body.contentLength,
      );
      const objectKey = objectKeyOf(caseId, stored.id);
      job.keyed(objectKey);
      const local = body.sha256();
      if (!local) throw new FileFailure("the file was not read to its end", "upload it again");
      times.uploaded_at = now().toISOString();
      job.sent(local, objectKey);
      // Never believe the server about what we can check: a hash it reports must be ours. A
      // server that reports none is trusted with its own check of the sha256 field we sent
      // (recorded as verified: false).
      if (stored.sha256 !== undefined && stored.sha256 !== local) {
        throw new FileFailure(
          `SHA-256 mismatch: sent ${local}, StrataGRC stored ${stored.sha256}`,
          "",
        );
      }
      const verified = stored.sha256 !== undefined;
      job.verdict(verified);
      times.verified_at = times.uploaded_at;
      if (verified) emit({ type: "verified", path: file.path, object_key: objectKey });
      return {
        sha256: local,
        object_key: objectKey,
        verified,
        lineage_id: String(stored.id),
        created: stored.created !== false,
      };
    },
  };
}

/** A pipeline result as a case-evidence row (what `cases evidence upload` prints). */
export function caseEvidenceRow(caseId: number, r: PushResult): CaseEvidenceResult {
  const id = r.object_key ? /\/evidence\/([^/]+)$/.exec(r.object_key)?.[1] : undefined;
  return {
    path: r.path,
    size: r.size,
    sha256: r.sha256,
    content_type: r.content_type,
    case_id: caseId,
    evidence_id: id === undefined ? null : /^\d+$/.test(id) ? Number(id) : id,
    filename: uploadFilename(r.path),
    created: r.status === "skipped" ? false : r.created,
    status:
      r.status === "linked"
        ? "uploaded"
        : r.status === "skipped" || r.status === "dry-run"
          ? r.status
          : "failed",
    error: r.error,
  };
}
