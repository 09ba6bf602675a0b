import pLimit from "p-limit";
import { ContradictingAnswerError, GrcError, HttpError, UnavailableError } from "../../errors.js";
import type { StorageClient } from "../../http/types.js";
import { contentTypeFor } from "./content-type.js";
import { type DecideOptions, decidePush, type PushDecision } from "./decide.js";
import type { UploadDestination, Uploaded } from "./destination.js";
import type { DiscoveredFile } from "./discovery.js";
import { FileFailure, fileError, OpenedFile, SMALL_FILE_BYTES } from "./file-reader.js";
import { hashFile } from "./hashing-stream.js";
import type { EvidenceSteps } from "./presigned.js";
import type { ReceiptTimes, ReceiptWriter } from "./receipt.js";
import type { PendingEntry, PushState, StateScope } from "./state-store.js";

export { formatBytes } from "./format-bytes.js";
export type { EvidenceSteps };
export { SMALL_FILE_BYTES };

/**
 * The evidence-upload pipeline, one direction: discover (the caller) -> decide per file once
 * (decide.ts: skip, link a pending upload, upload) -> execute (the destination: Sovereign's
 * presigned steps, StrataGRC's multipart POST) -> record (state, receipt, events). It knows
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

/** The server side of a push: where files go, the state and the receipt. */
export interface PushDeps {
  /** Sovereign's endpoints and the presigned storage client (the presigned destination). */
  evidence?: EvidenceSteps;
  storage?: StorageClient;
  /**
   * Opens the server side on first need: a rerun that skips every file never loads the HTTP
   * client or needs credentials. Its error stops the run.
   */
  connect?: () => Promise<
    { evidence: EvidenceSteps; storage: StorageClient } | { destination: UploadDestination }
  >;
  /** A platform's error dialect for the presigned destination (which errors stop the run). */
  errors?: Pick<UploadDestination, "classify" | "fatalError"> | undefined;
  state?: PushState | undefined;
  receipt?: ReceiptWriter | undefined;
  /** Clock for step times and URL expiry (tests). */
  now?: () => Date;
}

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

/** A server-side failure, prefixed with the step it happened in ("upload-url: ..."). */
function stepFailure(step: string, err: unknown): GrcError {
  if (err instanceof FileFailure) return err;
  // An answer unusable for this file (unsafe object key, a row for another evidence or
  // control) fails this file only: exit 1 like any failed file, never retried, never fatal.
  if (err instanceof ContradictingAnswerError) {
    return new FileFailure(`${step}: ${err.message}`, err.hint ?? "", { cause: err });
  }
  if (err instanceof HttpError) {
    // The status stays: a caller can still tell a 404 from a 503.
    return new HttpError(
      `${step}: ${err.message}`,
      { status: err.status, code: err.code, details: err.details, hint: err.hint },
      { cause: err },
    );
  }
  const inner =
    err instanceof GrcError
      ? err
      : new UnavailableError(err instanceof Error ? err.message : String(err));
  return new GrcError(`${step}: ${inner.message}`, inner.exitCode, inner.hint, { cause: err });
}

/**
 * The order files start in: the smallest file that needs the server first (it goes alone
 * until the server has answered its upload-url request, a cheap check of the credential and
 * scope: a key without the scope stops the run after one small failed file), then the rest in
 * input order with large files held to half the slots, so a few large files never hold back
 * the small ones and both kinds stay in flight.
 */
function probeIndex(plan: readonly PushDecision[]): number {
  let best = -1;
  for (let i = 0; i < plan.length; i++) {
    const d = plan[i]!;
    if (d.action === "skip") continue;
    if (best < 0 || d.file.size < plan[best]!.file.size) best = i;
  }
  return best;
}

/** Pushes files; never throws for a single file. Resolves with the run's summary. */
export async function pushEvidence(options: PushOptions, deps: PushDeps): Promise<PushSummary> {
  const now = deps.now ?? (() => new Date());
  const started = Date.now();
  const emit = options.onEvent ?? (() => {});
  const concurrency = Math.max(1, options.concurrency);
  const limit = pLimit(concurrency);
  const largeLimit = pLimit(Math.max(1, Math.floor(concurrency / 2)));
  let fatal: GrcError | undefined;
  const stopped = () => fatal !== undefined || Boolean(options.signal?.aborted);
  const totalBytes = options.files.reduce((n, f) => n + f.size, 0);
  let connection: Promise<UploadDestination> | undefined;
  const connect = () => {
    connection ??= openDestination(deps);
    return connection;
  };
  emit({ type: "start", files: options.files.length, bytes: totalBytes });

  // Decide once, before anything is sent.
  const decide: DecideOptions = {
    state: deps.state,
    scope: options.scope,
    force: options.force,
    expectedSha256: options.expectedSha256,
  };
  const plan = decidePush(options.files, decide);

  // Connect once up front when any file needs the server: a missing base URL or credential
  // is one error for the run, not one failure per file. A rerun that skips every file never
  // connects.
  const probe = options.dryRun ? -1 : probeIndex(plan);
  if (probe >= 0) {
    try {
      await connect();
    } catch (err) {
      fatal = deps.errors?.fatalError(err) ?? asGrcError(err);
    }
  }

  const results: (PushResult | undefined)[] = new Array(options.files.length);
  const runOne = async (i: number, accepted?: () => void): Promise<void> => {
    if (stopped()) return;
    const outcome = await pushOne(plan[i]!, options, deps, connect, now, emit, accepted);
    if (outcome.fatal && !fatal) fatal = outcome.fatal;
    results[i] = outcome.result;
  };
  let probing: Promise<void> | undefined;
  if (probe >= 0) {
    // The others start once the server accepted the probe's upload-url request (credential,
    // scope and storage are fine), or once the probe ended, whichever comes first.
    let accepted!: () => void;
    const acceptance = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    probing = limit(() => runOne(probe, accepted));
    await Promise.race([probing, acceptance]);
  }
  await Promise.all(
    plan.map((d, i) =>
      i === probe
        ? probing
        : d.action === "upload" && d.file.size > SMALL_FILE_BYTES
          ? largeLimit(() => limit(() => runOne(i)))
          : limit(() => runOne(i)),
    ),
  );

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

async function openDestination(deps: PushDeps): Promise<UploadDestination> {
  const side = deps.connect
    ? await deps.connect()
    : deps.evidence && deps.storage
      ? { evidence: deps.evidence, storage: deps.storage }
      : undefined;
  if (!side) throw new Error("pushEvidence needs a destination");
  if ("destination" in side) return side.destination;
  // Loaded here, not at the top: it brings the storage client and undici, which a run that
  // skips every file (or a dry run) never needs.
  const { presignedDestination } = await import("./presigned.js");
  return presignedDestination({
    ...side,
    classify: deps.errors?.classify,
    fatalError: deps.errors?.fatalError,
  });
}

function asGrcError(err: unknown): GrcError {
  return err instanceof GrcError
    ? err
    : new UnavailableError(err instanceof Error ? err.message : String(err));
}

interface Outcome {
  result: PushResult;
  fatal?: GrcError | undefined;
}

/** Carries out one file's decision: skip, link a pending upload, or upload. */
async function pushOne(
  decision: PushDecision,
  options: PushOptions,
  deps: PushDeps,
  connect: () => Promise<UploadDestination>,
  now: () => Date,
  emit: (e: PushEvent) => void,
  /** Told when the server has accepted the upload-url request (the probe's check). */
  accepted?: () => void,
): Promise<Outcome> {
  const { file } = decision;
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
  if (decision.action === "skip") {
    const known = decision.entry;
    Object.assign(result, {
      status: "skipped",
      sha256: known.sha256,
      evidence_id: known.sha256,
      object_key: known.object_key,
      lineage_id: known.lineage_id,
    });
    // The receipt of a rerun lists what it skipped, as the state knows it (version 3).
    deps.receipt?.appendSkipped({
      type: "skipped",
      path: file.path,
      abs_path: file.absPath,
      size: file.size,
      sha256: known.sha256,
      object_key: known.object_key,
      evidence_id: known.sha256,
      lineage_id: known.lineage_id,
      control_id: result.control_id,
      framework_id: result.framework_id,
      assessment_id: result.assessment_id,
      reason: "unchanged",
      base_url: options.scope.base_url,
      org_id: options.scope.org_id,
      linked_at: known.linked_at,
    });
    emit({ type: "skipped", result });
    return { result };
  }

  let step = "read";
  let destination: UploadDestination | undefined;
  let opened: OpenedFile | undefined;
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
    destination = await connect();

    if (decision.action === "link-pending" && destination.linkPending) {
      step = "link-to-control";
      const linked = await linkPending(
        file,
        decision.pending,
        result,
        destination,
        options,
        deps,
        now,
      );
      if (linked) {
        emit({ type: "linked", result });
        return { result };
      }
    }
    step = "read";
    opened = OpenedFile.open(file.realPath);
    const size = opened.size;
    result.size = size;
    const times: Partial<ReceiptTimes> = {};
    const at = { step };
    const expected = options.expectedSha256?.(file);
    let uploaded: Uploaded;
    try {
      const reader = opened;
      uploaded = await destination.upload({
        file,
        opened: reader,
        contentType,
        verify: options.verify,
        times,
        at,
        emit,
        now,
        keyed: (objectKey) => {
          result.object_key = objectKey;
          accepted?.();
        },
        sent: (sha256, objectKey) => {
          // Same size and mtime after the read as before it: the bytes hashed are the file's.
          reader.finish();
          Object.assign(result, { sha256, evidence_id: sha256, object_key: objectKey });
          if (expected !== undefined && sha256 !== expected) {
            throw new FileFailure(
              `the file changed since the plan (SHA-256 ${sha256.slice(0, 12)}, planned ${expected.slice(0, 12)}); it was not linked`,
              "run `grc evidence plan` again",
            );
          }
          emit({ type: "file-hashed", path: file.path, sha256, size });
          emit({ type: "uploaded", path: file.path, object_key: objectKey });
        },
        verdict: (verified) => {
          result.verified = verified;
        },
        beforeLink: async (stored) => {
          await deps.state?.recordPending({
            ...stateBase(file, result, options.scope, stored.sha256, stored.object_key, opened!),
            verified: stored.verified,
            content_type: contentType,
            times: {
              upload_url_at: times.upload_url_at!,
              uploaded_at: times.uploaded_at!,
              verified_at: times.verified_at ?? null,
            },
          });
        },
      });
    } finally {
      step = at.step;
    }
    Object.assign(result, {
      sha256: uploaded.sha256,
      evidence_id: uploaded.sha256,
      object_key: uploaded.object_key,
      verified: uploaded.verified,
    });
    record(file, result, uploaded, opened, times, options, deps, now);
    emit({ type: "linked", result });
    return { result };
  } catch (err) {
    const error = stepFailure(step, err);
    const fatal =
      destination === undefined && step === "connect"
        ? (deps.errors?.fatalError(err) ?? asGrcError(err))
        : destination?.classify(err, step) === "fatal"
          ? destination.fatalError(err)
          : undefined;
    result.status = "failed";
    result.error = error.line();
    emit({ type: "failed", result, error, fatal: fatal !== undefined });
    return { result, fatal };
  } finally {
    opened?.close();
  }
}

/**
 * Links an object a killed run stored and verified (idempotent) instead of uploading the
 * file again. A journal entry is a claim, not a proof (the journal is a plain file): the file
 * is read again and must hash to the entry's SHA-256. Resolves false when the file must be
 * uploaded after all (other content, or the stored object is gone or differs).
 */
async function linkPending(
  file: DiscoveredFile,
  pending: PendingEntry,
  result: PushResult,
  destination: UploadDestination,
  options: PushOptions,
  deps: PushDeps,
  now: () => Date,
): Promise<boolean> {
  const same = await hashFile(file.realPath, pending.size).then(
    (h) => h.sha256 === pending.sha256,
    () => false,
  );
  if (!same) return false;
  const saved = { content_type: result.content_type };
  Object.assign(result, {
    sha256: pending.sha256,
    evidence_id: pending.sha256,
    object_key: pending.object_key,
    content_type: pending.content_type,
    verified: pending.verified ? true : null,
  });
  let linked: { lineage_id: string; created: boolean };
  try {
    linked = await destination.linkPending!(pending, file);
  } catch (err) {
    // The stored object is gone or differs: push the file again from the start.
    if (!(err instanceof HttpError && (err.status === 404 || err.status === 422))) throw err;
    Object.assign(result, {
      sha256: null,
      evidence_id: null,
      object_key: null,
      content_type: saved.content_type,
      verified: null,
    });
    return false;
  }
  record(
    file,
    result,
    { ...linked, sha256: pending.sha256, object_key: pending.object_key, verified: null },
    { size: pending.size, mtimeMs: pending.mtime_ms },
    { ...pending.times },
    options,
    deps,
    now,
  );
  return true;
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

/** What proves a linked file: the result fields, the state entry, the receipt line. */
function record(
  file: DiscoveredFile,
  result: PushResult,
  linked: Uploaded,
  stat: { size: number; mtimeMs: number },
  times: Partial<ReceiptTimes>,
  options: PushOptions,
  deps: PushDeps,
  now: () => Date,
): void {
  const linkedAt = now().toISOString();
  Object.assign(result, {
    status: "linked",
    lineage_id: linked.lineage_id,
    created: linked.created,
  });
  const sha256 = result.sha256!;
  const objectKey = result.object_key!;
  deps.state?.record({
    ...stateBase(file, result, options.scope, sha256, objectKey, stat),
    lineage_id: linked.lineage_id,
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
    lineage_id: linked.lineage_id,
    control_id: result.control_id,
    framework_id: result.framework_id,
    assessment_id: result.assessment_id,
    created: linked.created,
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
}
