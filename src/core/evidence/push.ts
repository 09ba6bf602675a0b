import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { access, stat } from "node:fs/promises";
import pLimit from "p-limit";
import {
  ContradictingAnswerError,
  ExitCode,
  GrcError,
  HttpError,
  UnavailableError,
} from "../../errors.js";
import { discardBody, readStorageError } from "../../http/body-limits.js";
import type { StorageClient, StorageResponse } from "../../http/types.js";
import type { ErrorDialect, EvidenceUploadApi, UploadUrl } from "../platform.js";
import { contentTypeFor } from "./content-type.js";
import { type DiscoveredFile, uploadFilename } from "./discovery.js";
import {
  FileChangedError,
  type HashingCounter,
  hashFile,
  hashingReadStream,
} from "./hashing-stream.js";
import type { ReceiptTimes, ReceiptWriter } from "./receipt.js";
import type { PushState, StateScope } from "./state-store.js";

/**
 * The push orchestrator: for each file, the four steps of seed 000 (upload-url, presigned
 * PUT, verify, link-to-control), at a bounded concurrency, reading each file once. It knows
 * nothing of the terminal: it reports typed events and returns a summary; the command turns
 * them into a spinner, a table, NDJSON, a receipt.
 */

/** How a file ended: linked (incl. already linked), skipped (state), failed, or dry-run. */
export type PushStatus = "linked" | "skipped" | "failed" | "dry-run";

/** One result per file, in the shape `--output json|ndjson` prints. */
export interface PushResult {
  path: string;
  size: number;
  sha256: string | null;
  content_type: string;
  object_key: string | null;
  evidence_id: string | null;
  lineage_id: string | null;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  created: boolean | null;
  verified: boolean | null;
  status: PushStatus;
  error: string | null;
}

/** What the orchestrator reports while it runs (the command renders these). */
export type PushEvent =
  | { type: "start"; files: number; bytes: number }
  /** Bytes read and sent for a file; negative when an attempt is retried from the start. */
  | { type: "progress"; path: string; bytes: number }
  | { type: "file-hashed"; path: string; sha256: string; size: number }
  | { type: "url-refreshed"; path: string; reason: "expired-before-use" | "expired-at-storage" }
  | { type: "uploaded"; path: string; object_key: string }
  | { type: "verified"; path: string; object_key: string }
  | { type: "linked"; result: PushResult }
  | { type: "skipped"; result: PushResult }
  | { type: "planned"; result: PushResult }
  /** `fatal`: the error stops the whole run (the command reports it once, at the end). */
  | { type: "failed"; result: PushResult; error: GrcError; fatal: boolean };

/** Totals of a run. */
export interface PushSummary {
  total: number;
  linked: number;
  /** Linked files whose link already existed (`created: false`). */
  alreadyLinked: number;
  skipped: number;
  failed: number;
  planned: number;
  /** Files never started because the run was interrupted or hit a fatal error. */
  notStarted: number;
  /** Bytes of the files uploaded (linked). */
  bytes: number;
  durationMs: number;
  interrupted: boolean;
  /** An error that stopped the run for every file (auth, scope, storage not configured). */
  fatal: GrcError | undefined;
  /** Results in the order of the input files (not-started files have none). */
  results: PushResult[];
}

/** The server side of a push: the evidence endpoints and the presigned storage client. */
export interface PushDeps {
  evidence?: EvidenceSteps;
  storage?: StorageClient;
  /**
   * Opens the server side on first need instead of `evidence`/`storage`: a rerun that skips
   * every file never loads the HTTP client or needs credentials. Its error stops the run.
   */
  connect?: () => Promise<{ evidence: EvidenceSteps; storage: StorageClient }>;
  state?: PushState | undefined;
  receipt?: ReceiptWriter | undefined;
  /** Clock for step times and URL expiry (tests). */
  now?: () => Date;
}

/** The three evidence endpoints a push calls, and the platform's error dialect. */
export type EvidenceSteps = Pick<
  EvidenceUploadApi,
  "requestUploadUrl" | "verifyObject" | "linkToControl"
> &
  Partial<Pick<EvidenceUploadApi, "errors">>;

/** What to push and how. */
export interface PushOptions {
  files: readonly DiscoveredFile[];
  /** The server and organization pushed to (keys the state; written to receipts). */
  scope: StateScope;
  concurrency: number;
  /** Ask the server to recompute the stored SHA-256 before linking (default on). */
  verify: boolean;
  /** Push even files the state says are already linked. */
  force: boolean;
  /** List files with sizes and hashes; send nothing. */
  dryRun?: boolean;
  /** Overrides the content type from the extension. */
  contentType?: string | undefined;
  /** Aborting stops taking new files; files in flight finish. */
  signal?: AbortSignal | undefined;
  /**
   * The SHA-256 a plan decided for a file (`grc evidence apply`): a state entry of other
   * content neither skips nor resumes it, and bytes that hash otherwise are not linked.
   */
  expectedSha256?: ((file: DiscoveredFile) => string | undefined) | undefined;
  onEvent?: (event: PushEvent) => void;
}

/** Margin before `expires_in` at which a URL counts as expired: a tenth of its life, at most 2 s. */
function expiryMarginMs(expiresIn: number): number {
  return Math.min(2_000, expiresIn * 100);
}

/** A problem with the local file (unreadable, changed, too large) or its verification. */
class FileFailure extends GrcError {
  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, ExitCode.someFailed, hint, options);
  }
}

/** A server-side failure, prefixed with the step it happened in ("upload-url: ..."). */
function stepFailure(step: string, err: unknown): GrcError {
  if (err instanceof FileFailure) return err;
  // An answer unusable for this file (unsafe object key, a row for another evidence or
  // control) fails this file only: exit 1 like any failed file, never retried, never fatal.
  if (err instanceof ContradictingAnswerError) {
    return new FileFailure(`${step}: ${err.message}`, err.hint ?? "", { cause: err });
  }
  // An HttpError stays one (status, code and details kept): only its line gains the step.
  if (err instanceof HttpError) {
    const { status, code, details, hint } = err;
    return new HttpError(
      `${step}: ${err.message}`,
      { status, ...(code !== undefined ? { code } : {}), details, ...(hint ? { hint } : {}) },
      { cause: err },
    );
  }
  const inner =
    err instanceof GrcError
      ? err
      : new UnavailableError(err instanceof Error ? err.message : String(err));
  return new GrcError(`${step}: ${inner.message}`, inner.exitCode, inner.hint, { cause: err });
}

/** Pushes files; never throws for a single file. Resolves with the run's summary. */
export async function pushEvidence(options: PushOptions, deps: PushDeps): Promise<PushSummary> {
  const now = deps.now ?? (() => new Date());
  const started = Date.now();
  const emit = options.onEvent ?? (() => {});
  const limit = pLimit(Math.max(1, options.concurrency));
  let fatal: GrcError | undefined;
  const stopped = () => fatal !== undefined || Boolean(options.signal?.aborted);
  const totalBytes = options.files.reduce((n, f) => n + f.size, 0);
  let connection: ReturnType<NonNullable<PushDeps["connect"]>> | undefined;
  const connect = () => {
    connection ??= deps.connect
      ? deps.connect()
      : deps.evidence && deps.storage
        ? Promise.resolve({ evidence: deps.evidence, storage: deps.storage })
        : Promise.reject(new Error("pushEvidence needs evidence and storage clients"));
    return connection;
  };
  emit({ type: "start", files: options.files.length, bytes: totalBytes });

  // Connect once up front when any file needs the server: a missing base URL or credential
  // is one error for the run, not one failure per file. A rerun that skips every file never
  // connects.
  const first = options.dryRun
    ? -1
    : options.files.findIndex(
        (f) => options.force || !deps.state?.lookup(f, f.target, options.scope),
      );
  if (first >= 0) {
    try {
      await connect();
    } catch (err) {
      fatal = fatalError(err);
    }
  }

  const results: (PushResult | undefined)[] = new Array(options.files.length);
  const later: number[] = [];
  const runOne = async (i: number, lastChance = false): Promise<void> => {
    if (stopped()) return;
    const outcome = await pushOne(options.files[i]!, options, deps, connect, now, emit, lastChance);
    if (outcome.fatal && !fatal) fatal = outcome.fatal;
    if (outcome.retryLater) later.push(i);
    else results[i] = outcome.result;
  };
  // The first file that needs the server goes alone: a key without the scope, or not a
  // member of the org, stops the run after one failed file instead of `concurrency` of them.
  if (first >= 0) await runOne(first);
  await Promise.all(
    options.files.map((_, i) => (i === first ? undefined : limit(() => runOne(i)))),
  );
  // A file whose requests ran out of retries on a flaky server (network errors, 5xx, 429)
  // gets one more go once the rest is done, when the fault may have passed: a bulk run
  // under a few percent of failing answers should end with every file linked.
  await Promise.all(later.splice(0).map((i) => limit(() => runOne(i, true))));

  const done = results.filter((r): r is PushResult => r !== undefined);
  const linked = done.filter((r) => r.status === "linked");
  return {
    total: options.files.length,
    linked: linked.length,
    alreadyLinked: linked.filter((r) => r.created === false).length,
    skipped: done.filter((r) => r.status === "skipped").length,
    failed: done.filter((r) => r.status === "failed").length,
    planned: done.filter((r) => r.status === "dry-run").length,
    notStarted: options.files.length - done.length,
    bytes: linked.reduce((n, r) => n + r.size, 0),
    durationMs: Date.now() - started,
    interrupted: Boolean(options.signal?.aborted),
    fatal,
    results: done,
  };
}

interface Outcome {
  result: PushResult;
  fatal?: GrcError | undefined;
  /** Failed for a reason that may pass (retries ran out): try once more at the end, unreported. */
  retryLater?: boolean;
}

async function pushOne(
  file: DiscoveredFile,
  options: PushOptions,
  deps: PushDeps,
  connect: () => Promise<{ evidence: EvidenceSteps; storage: StorageClient }>,
  now: () => Date,
  emit: (e: PushEvent) => void,
  lastChance: boolean,
): Promise<Outcome> {
  const contentType = options.contentType ?? contentTypeFor(file.path);
  const result: PushResult = {
    path: file.path,
    size: file.size,
    sha256: null,
    content_type: contentType,
    object_key: null,
    evidence_id: null,
    lineage_id: null,
    control_id: file.target.control_id,
    framework_id: file.target.framework_id ?? null,
    assessment_id: file.target.assessment_id ?? null,
    created: null,
    verified: null,
    status: "failed",
    error: null,
  };

  // A file linked before, unchanged since (size + mtime), is skipped without reading it.
  const expected = options.expectedSha256?.(file);
  const planned = <E extends { sha256: string }>(e: E | undefined): E | undefined =>
    e && (expected === undefined || e.sha256 === expected) ? e : undefined;
  const known = options.force
    ? undefined
    : planned(deps.state?.lookup(file, file.target, options.scope));
  if (known) {
    Object.assign(result, {
      status: "skipped",
      sha256: known.sha256,
      evidence_id: known.sha256,
      object_key: known.object_key,
      lineage_id: known.lineage_id,
    });
    emit({ type: "skipped", result });
    return { result };
  }

  let step = "read";
  let errors: ErrorDialect | undefined;
  try {
    if (options.dryRun) {
      const { sha256 } = await hashFile(file.realPath, file.size).catch((err) => {
        throw fileError(err);
      });
      Object.assign(result, { sha256, evidence_id: sha256, status: "dry-run" });
      emit({ type: "file-hashed", path: file.path, sha256, size: file.size });
      emit({ type: "planned", result });
      return { result };
    }
    step = "connect";
    const { evidence, storage } = await connect();
    errors = evidence.errors;

    // Uploaded and verified by a run that was killed before it could record the link: link
    // that object (idempotent) instead of uploading the file again.
    const claimed = options.force
      ? undefined
      : planned(deps.state?.lookupPending(file, file.target, options.scope));
    // A journal entry is a claim, not a proof (the journal is a plain file): the file is
    // read again and must hash to the entry's SHA-256 before its stored object is linked.
    const resumable =
      claimed &&
      (await hashFile(file.realPath, file.size).then(
        (h) => h.sha256 === claimed.sha256,
        () => false,
      ))
        ? claimed
        : undefined;
    if (resumable) {
      step = "link-to-control";
      Object.assign(result, {
        sha256: resumable.sha256,
        evidence_id: resumable.sha256,
        object_key: resumable.object_key,
        content_type: resumable.content_type,
        verified: resumable.verified ? true : null,
      });
      try {
        return await linkAndRecord(
          file,
          result,
          { size: resumable.size, mtimeMs: resumable.mtime_ms },
          { ...resumable.times },
          { evidence, options, deps, now, emit },
        );
      } catch (err) {
        // The stored object is gone or differs: push the file again from the start.
        if (!(err instanceof HttpError && (err.status === 404 || err.status === 422))) throw err;
        Object.assign(result, {
          sha256: null,
          evidence_id: null,
          object_key: null,
          content_type: contentType,
          verified: null,
        });
      }
    }
    step = "read";

    const before = await openForUpload(file.realPath);
    result.size = before.size;
    const times: Partial<ReceiptTimes> = {};

    const at = { step };
    const { objectKey, sha256 } = await uploadFile(file, before, contentType, result, times, {
      evidence,
      storage,
      now,
      emit,
      at,
    }).finally(() => {
      step = at.step;
    });
    Object.assign(result, { sha256, evidence_id: sha256 });
    if (expected !== undefined && sha256 !== expected) {
      throw new FileFailure(
        `the file changed since the plan (SHA-256 ${sha256.slice(0, 12)}, planned ${expected.slice(0, 12)}); it was not linked`,
        "run `grc evidence plan` again",
      );
    }
    emit({ type: "file-hashed", path: file.path, sha256, size: before.size });
    emit({ type: "uploaded", path: file.path, object_key: objectKey });

    times.verified_at = null;
    if (options.verify) {
      step = "verify";
      // The server's verdict, cross-checked against the file's hash and size. A mismatch
      // fails the file: the altered object is never linked, and the next run uploads again.
      const check = await evidence.verifyObject(objectKey, sha256, { size: before.size });
      if (!check.verified) {
        result.verified = false;
        throw new FileFailure(
          `verify failed: the stored object's SHA-256 differs from the file's (${check.detail ?? "hash mismatch"}); it was not linked`,
          "push the file again",
        );
      }
      result.verified = true;
      times.verified_at = now().toISOString();
      emit({ type: "verified", path: file.path, object_key: objectKey });
    }

    // Written before the link: a kill during it leaves the rerun enough to link this upload
    // instead of sending the file again.
    await deps.state?.recordPending({
      ...stateBase(file, result, options.scope, sha256, objectKey, before),
      verified: result.verified === true,
      content_type: contentType,
      times: {
        upload_url_at: times.upload_url_at!,
        uploaded_at: times.uploaded_at!,
        verified_at: times.verified_at,
      },
    });
    step = "link-to-control";
    return await linkAndRecord(file, result, before, times, { evidence, options, deps, now, emit });
  } catch (err) {
    const error = stepFailure(step, err);
    const fatal = isFatal(step, err, errors) ? fatalError(err) : undefined;
    if (!lastChance && !fatal && error.exitCode === ExitCode.unavailable) {
      return { result, retryLater: true };
    }
    result.status = "failed";
    result.error = error.line();
    emit({ type: "failed", result, error, fatal: fatal !== undefined });
    return { result, fatal };
  }
}

interface LinkContext {
  evidence: EvidenceSteps;
  options: PushOptions;
  deps: PushDeps;
  now: () => Date;
  emit: (e: PushEvent) => void;
}

/** The state fields every entry of this file shares. */
function stateBase(
  file: DiscoveredFile,
  result: PushResult,
  scope: StateScope,
  sha256: string,
  objectKey: string,
  stat: { size: number; mtimeMs: number },
) {
  return {
    real_path: file.realPath,
    size: stat.size,
    mtime_ms: stat.mtimeMs,
    sha256,
    control_id: result.control_id,
    framework_id: result.framework_id,
    assessment_id: result.assessment_id,
    object_key: objectKey,
    base_url: scope.base_url,
    org_id: scope.org_id,
  };
}

/** Step 4, then what proves it: the state entry, the receipt line, the `linked` event. */
async function linkAndRecord(
  file: DiscoveredFile,
  result: PushResult,
  stat: { size: number; mtimeMs: number },
  times: Partial<ReceiptTimes>,
  { evidence, options, deps, now, emit }: LinkContext,
): Promise<Outcome> {
  const sha256 = result.sha256!;
  const objectKey = result.object_key!;
  const lineage = await evidence.linkToControl({
    evidence_id: sha256,
    object_key: objectKey,
    control_id: file.target.control_id,
    framework_id: file.target.framework_id,
    assessment_id: file.target.assessment_id,
  });
  const linkedAt = now().toISOString();
  Object.assign(result, {
    status: "linked",
    lineage_id: lineage.lineage_id,
    created: lineage.created,
  });
  deps.state?.record({
    ...stateBase(file, result, options.scope, sha256, objectKey, stat),
    lineage_id: lineage.lineage_id,
    linked_at: linkedAt,
  });
  deps.receipt?.append({
    type: "evidence",
    path: file.path,
    abs_path: file.absPath,
    size: stat.size,
    sha256,
    content_type: result.content_type,
    object_key: objectKey,
    evidence_id: sha256,
    lineage_id: lineage.lineage_id,
    control_id: result.control_id,
    framework_id: result.framework_id,
    assessment_id: result.assessment_id,
    created: lineage.created,
    verified: result.verified === true,
    base_url: options.scope.base_url,
    org_id: options.scope.org_id,
    times: {
      upload_url_at: times.upload_url_at ?? linkedAt,
      uploaded_at: times.uploaded_at ?? linkedAt,
      verified_at: times.verified_at ?? null,
      linked_at: linkedAt,
    },
  });
  emit({ type: "linked", result });
  return { result };
}

/** What the upload steps share with the rest of a file's push. */
interface UploadContext {
  evidence: EvidenceSteps;
  storage: StorageClient;
  now: () => Date;
  emit: (e: PushEvent) => void;
  /** The step in progress, for the error line and the fatal check. */
  at: { step: string };
}

/**
 * Steps 1 and 2: a presigned URL, then the PUT that hashes on the way. A file over max_size
 * fails before a byte is sent; a URL that expired (before the PUT, or per storage) is
 * replaced once.
 */
async function uploadFile(
  file: DiscoveredFile,
  before: OpenedFile,
  contentType: string,
  result: PushResult,
  times: Partial<ReceiptTimes>,
  { evidence, storage, now, emit, at }: UploadContext,
): Promise<{ objectKey: string; sha256: string }> {
  at.step = "upload-url";
  const mint = async () => {
    const slot = await evidence.requestUploadUrl({
      filename: uploadFilename(file.path),
      content_type: contentType,
      control_id: file.target.control_id,
      framework_id: file.target.framework_id,
      assessment_id: file.target.assessment_id,
    });
    times.upload_url_at = now().toISOString();
    result.object_key = slot.object_key;
    return { slot, mintedAt: now().getTime() };
  };
  let { slot, mintedAt } = await mint();
  if (before.size > slot.max_size) {
    throw new FileFailure(
      `the file is ${formatBytes(before.size)}, larger than the ${formatBytes(slot.max_size)} the server accepts (max_size ${slot.max_size} bytes); nothing was sent`,
      "split the file or ask the platform operator to raise the limit",
    );
  }

  // A URL lives `expires_in` seconds from minting. One that ran out before the PUT could
  // start (a slow start, a long retry wait) is replaced once; so is one storage calls expired.
  let refreshed = false;
  if (now().getTime() - mintedAt >= slot.expires_in * 1000 - expiryMarginMs(slot.expires_in)) {
    ({ slot, mintedAt } = await mint());
    refreshed = true;
    emit({ type: "url-refreshed", path: file.path, reason: "expired-before-use" });
  }
  at.step = "upload";
  let put = await putObject(storage, slot, file, before, contentType, emit);
  if (put.expired && !refreshed) {
    at.step = "upload-url";
    ({ slot, mintedAt } = await mint());
    emit({ type: "url-refreshed", path: file.path, reason: "expired-at-storage" });
    at.step = "upload";
    put = await putObject(storage, slot, file, before, contentType, emit);
  }
  if (put.expired) throw put.error;
  times.uploaded_at = now().toISOString();
  // Same size and mtime after the read as before it: the bytes hashed are the file's.
  // (A small file was read in one go and checked then.)
  if (!before.bytes) {
    const after = await stat(file.realPath).catch(() => undefined);
    if (!after || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw changedError();
    }
  }
  return { objectKey: slot.object_key, sha256: put.sha256 };
}

type PutOutcome = { expired: false; sha256: string } | { expired: true; error: HttpError };

/**
 * PUTs the file to the presigned URL, streaming it once through the hasher. The PUT carries
 * exactly the Content-Type the URL was signed for (any other makes storage answer
 * SignatureDoesNotMatch) and a Content-Length (S3 refuses chunked bodies).
 */
async function putObject(
  storage: StorageClient,
  slot: UploadUrl,
  file: DiscoveredFile,
  opened: OpenedFile,
  contentType: string,
  emit: (e: PushEvent) => void,
): Promise<PutOutcome> {
  let counter: HashingCounter | undefined;
  const onBytes = (n: number) => emit({ type: "progress", path: file.path, bytes: n });
  const { size, bytes } = opened;
  let res: StorageResponse;
  try {
    res = await storage.request({
      method: "PUT",
      url: slot.upload_url,
      headers: { "content-type": contentType },
      contentLength: size,
      // A small file goes from memory; a large one streams, and a retried attempt (the
      // client calls the factory again) starts over from byte 0.
      body: bytes
        ? bytes
        : () => {
            if (counter && counter.bytes > 0) onBytes(-counter.bytes);
            counter = hashingReadStream(file.realPath, size, onBytes);
            return counter;
          },
    });
  } catch (err) {
    const readError = counter?.errored;
    if (readError) throw fileError(readError);
    throw err;
  }
  if (res.status >= 200 && res.status < 300) {
    // The answer's body carries nothing grc needs: dropped, never waited for (a storage
    // that trickles it would otherwise hold the run).
    discardBody(res.body);
    if (bytes) {
      onBytes(size);
      return { expired: false, sha256: createHash("sha256").update(bytes).digest("hex") };
    }
    const sha256 = counter?.sha256;
    const readError = counter?.errored;
    if (readError) throw fileError(readError);
    if (!sha256) throw new UnavailableError("storage answered before the whole file was sent");
    return { expired: false, sha256 };
  }
  // Read bounded in size and time (64 KiB, 10 s), then decoded (S3 XML).
  const error = await readStorageError(res, "PUT", slot.upload_url);
  // S3 says "Request has expired" with 403 AccessDenied: a fresh URL fixes that. Any other
  // 403 (a signature or Content-Type mismatch, a policy) would fail the same way again.
  if (res.status === 403 && /expired/i.test(error.message)) return { expired: true, error };
  throw error;
}

/**
 * Files up to this size are read into memory in one read, then hashed and sent from that
 * buffer (still read once; at most concurrency x 256 KiB held). Larger files stream.
 */
export const SMALL_FILE_BYTES = 256 * 1024;

/** A file opened for upload: its size and mtime, and its bytes when it is small. */
interface OpenedFile {
  size: number;
  mtimeMs: number;
  bytes: Buffer | undefined;
}

/**
 * Opens the file, so an unreadable one fails before any URL is minted, and reads a small one
 * whole. Small files are read synchronously: from the page cache that takes microseconds,
 * where the async calls cost four thread-pool round trips per file (measured: most of the
 * CPU grc spent on 2,000 files of 4 KiB beyond the requests themselves).
 */
async function openForUpload(path: string): Promise<OpenedFile> {
  let fd: number | undefined;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: "ENOTFILE" });
    if (st.size > SMALL_FILE_BYTES) {
      // Readable now: the stream opens it again when the PUT starts.
      await access(path, constants.R_OK);
      return { size: st.size, mtimeMs: st.mtimeMs, bytes: undefined };
    }
    fd = openSync(path, "r");
    // One byte more than expected shows a file that grew since the stat.
    const buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) {
      got = readSync(fd, buf, n, buf.length - n, n);
    }
    const after = fstatSync(fd);
    if (n !== st.size || after.size !== st.size || after.mtimeMs !== st.mtimeMs) {
      throw changedError();
    }
    return { size: st.size, mtimeMs: st.mtimeMs, bytes: buf.subarray(0, n) };
  } catch (err) {
    throw fileError(err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function changedError(): GrcError {
  return new FileFailure(
    "the file changed while it was read (size or modification time differs); it was not linked",
    "push it again once it is complete",
  );
}

function fileError(err: unknown): GrcError {
  if (err instanceof FileChangedError) {
    return new FileFailure(
      `${err.message}; it was not linked`,
      "push it again once it is complete",
    );
  }
  if (err instanceof GrcError) return err;
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === "EACCES" || e.code === "EPERM"
      ? "permission denied"
      : e.code === "ENOENT"
        ? "the file disappeared"
        : e.code === "EISDIR" || e.code === "ENOTFILE"
          ? "not a regular file"
          : (e.code ?? e.message);
  return new FileFailure(
    `cannot read the file: ${why}${e.code && e.code !== "ENOTFILE" ? ` (${e.code})` : ""}`,
    "check the file and its permissions",
  );
}

/**
 * Failures that would repeat for every file: the credential (401/403: missing scope, not a
 * member), storage not configured (503), or a server that cannot be reached at all.
 */
function isFatal(step: string, err: unknown, errors: ErrorDialect | undefined): boolean {
  if (step === "connect") return true;
  if (err instanceof ContradictingAnswerError) return false;
  if (step === "read" || step === "upload") return false;
  if (err instanceof HttpError) {
    if (err.status === 401 || err.status === 403) return true;
    // The platform's dialect knows which of its errors are settings (storage not configured).
    return errors?.classify(err) === "fatal";
  }
  return err instanceof UnavailableError && /\b(ECONNREFUSED|ENOTFOUND|unsafe)\b/.test(err.message);
}

function fatalError(cause: unknown): GrcError {
  const err =
    cause instanceof GrcError
      ? cause
      : new UnavailableError(cause instanceof Error ? cause.message : String(cause));
  if (err instanceof HttpError && err.status === 403) {
    const scope = /missing required scope:?\s*([\w:*-]+)/i.exec(
      `${err.details.join(" ")} ${err.message}`,
    );
    if (scope) {
      return new GrcError(
        `the API key lacks the ${scope[1]} scope (403 missing required scope)`,
        err.exitCode,
        `widen the key's scopes on the API Keys page (write:evidence or write:*)`,
        { cause: err },
      );
    }
  }
  if (err instanceof HttpError && err.status === 503) {
    return new GrcError(
      "object storage is not configured on the server (503); nothing was uploaded",
      err.exitCode,
      "ask the platform operator to configure object storage (R2_* / CF_ACCOUNT_ID)",
      { cause: err },
    );
  }
  return err;
}

/** Bytes as text with binary units ("1.5 MiB"). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
