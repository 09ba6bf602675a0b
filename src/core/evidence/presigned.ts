import type { GrcError } from "../../errors.js";
import { HttpError, UnavailableError } from "../../errors.js";
import { storagePut } from "../../http/storage-client.js";
import type { StorageClient } from "../../http/types.js";
import type { ErrorClass, EvidenceUploadApi, UploadUrl } from "../platform.js";
import type { UploadDestination, Uploaded, UploadJob } from "./destination.js";
import { uploadFilename } from "./discovery.js";
import { FileFailure, fileError, type OpenedFile } from "./file-reader.js";
import { formatBytes } from "./format-bytes.js";

/**
 * The presigned-URL destination (seed 000's four steps): upload-url, the PUT to storage that
 * hashes on the way, verify, link-to-control. A file over max_size fails before a byte is
 * sent; a URL that expired (before the PUT, or per storage) is replaced once.
 */

/** The three evidence endpoints a push calls. */
export type EvidenceSteps = Pick<
  EvidenceUploadApi,
  "requestUploadUrl" | "verifyObject" | "linkToControl"
>;

/** What the presigned destination needs: the endpoints, storage and the platform's error dialect. */
export interface PresignedOptions {
  evidence: EvidenceSteps;
  storage: StorageClient;
  classify?: ((err: unknown, step: string) => ErrorClass) | undefined;
  fatalError?: ((err: unknown) => GrcError) | undefined;
}

/** Margin before `expires_in` at which a URL counts as expired: a tenth of its life, at most 2 s. */
function expiryMarginMs(expiresIn: number): number {
  return Math.min(2_000, expiresIn * 100);
}

/** The HTTP-generic reading of an error: 401/403 and an unreachable server stop the run. */
export function classifyHttpError(err: unknown, step: string): ErrorClass {
  if (step === "connect") return "fatal";
  if (step === "read" || step === "upload") return "file";
  if (err instanceof HttpError) return err.status === 401 || err.status === 403 ? "fatal" : "file";
  if (err instanceof UnavailableError && /\b(ECONNREFUSED|ENOTFOUND|unsafe)\b/.test(err.message)) {
    return "fatal";
  }
  return "file";
}

/** Builds the presigned-URL destination. */
export function presignedDestination(options: PresignedOptions): UploadDestination {
  const { evidence, storage } = options;
  return {
    classify: options.classify ?? classifyHttpError,
    fatalError: options.fatalError ?? ((err) => err as GrcError),
    async linkPending(pending, file) {
      return evidence.linkToControl({
        evidence_id: pending.sha256,
        object_key: pending.object_key,
        control_id: file.target.control_id,
        framework_id: file.target.framework_id,
        assessment_id: file.target.assessment_id,
      });
    },
    async upload(job: UploadJob): Promise<Uploaded> {
      const { file, opened, now, times, at, emit } = job;
      const { objectKey, sha256 } = await uploadObject(job);
      job.sent(sha256, objectKey);

      times.verified_at = null;
      let verified: boolean | null = null;
      if (job.verify) {
        at.step = "verify";
        // The server's verdict, cross-checked against the file's hash and size. A mismatch
        // fails the file: the altered object is never linked, and the next run uploads again.
        const check = await evidence.verifyObject(objectKey, sha256, { size: opened.size });
        job.verdict(check.verified);
        if (!check.verified) {
          throw new FileFailure(
            `verify failed: the stored object's SHA-256 differs from the file's (${check.detail ?? "hash mismatch"}); it was not linked`,
            "push the file again",
          );
        }
        verified = true;
        times.verified_at = now().toISOString();
        emit({ type: "verified", path: file.path, object_key: objectKey });
      }
      // Written before the link: a kill during it leaves the rerun enough to link this upload
      // instead of sending the file again.
      await job.beforeLink({ sha256, object_key: objectKey, verified: verified === true });
      at.step = "link-to-control";
      const lineage = await evidence.linkToControl({
        evidence_id: sha256,
        object_key: objectKey,
        control_id: file.target.control_id,
        framework_id: file.target.framework_id,
        assessment_id: file.target.assessment_id,
      });
      return {
        sha256,
        object_key: objectKey,
        verified,
        lineage_id: lineage.lineage_id,
        created: lineage.created,
      };
    },
  };

  /** Steps 1 and 2: a presigned URL, then the PUT that hashes on the way. */
  async function uploadObject(job: UploadJob): Promise<{ objectKey: string; sha256: string }> {
    const { file, opened, contentType, now, times, at, emit } = job;
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
      job.keyed(slot.object_key);
      return { slot, mintedAt: now().getTime() };
    };
    let { slot, mintedAt } = await mint();
    if (opened.size > slot.max_size) {
      throw new FileFailure(
        `the file is ${formatBytes(opened.size)}, larger than the ${formatBytes(slot.max_size)} the server accepts (max_size ${slot.max_size} bytes); nothing was sent`,
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
    let put = await putFile(slot, file.path, opened, contentType, emit);
    if (put.kind === "expired" && !refreshed) {
      at.step = "upload-url";
      ({ slot, mintedAt } = await mint());
      emit({ type: "url-refreshed", path: file.path, reason: "expired-at-storage" });
      at.step = "upload";
      put = await putFile(slot, file.path, opened, contentType, emit);
    }
    if (put.kind !== "ok") throw put.error;
    times.uploaded_at = now().toISOString();
    return { objectKey: slot.object_key, sha256: put.sha256 };
  }

  /**
   * PUTs the file to the presigned URL, streaming it once through the hasher. The PUT carries
   * exactly the Content-Type the URL was signed for (any other makes storage answer
   * SignatureDoesNotMatch) and a Content-Length (S3 refuses chunked bodies).
   */
  async function putFile(
    slot: UploadUrl,
    path: string,
    opened: OpenedFile,
    contentType: string,
    emit: UploadJob["emit"],
  ): Promise<{ kind: "ok"; sha256: string } | { kind: "expired" | "error"; error: HttpError }> {
    const onBytes = (n: number) => emit({ type: "progress", path, bytes: n });
    const { size, bytes } = opened;
    let outcome: Awaited<ReturnType<typeof storagePut>>;
    try {
      outcome = await storagePut(storage, {
        url: slot.upload_url,
        headers: { "content-type": contentType },
        contentLength: size,
        // A small file goes from memory; a large one streams, and a retried attempt (the
        // client calls the factory again) starts over from byte 0.
        body: bytes
          ? bytes
          : () => {
              const sent = opened.last?.bytes ?? 0;
              if (sent > 0) onBytes(-sent);
              return opened.stream(onBytes);
            },
      });
    } catch (err) {
      const readError = opened.last?.errored;
      if (readError) throw fileError(readError);
      throw err;
    }
    if (outcome.kind !== "ok") return outcome;
    if (bytes) {
      onBytes(size);
      return { kind: "ok", sha256: opened.digest() };
    }
    const counter = opened.last;
    const readError = counter?.errored;
    if (readError) throw fileError(readError);
    if (!counter?.sha256)
      throw new UnavailableError("storage answered before the whole file was sent");
    return { kind: "ok", sha256: counter.sha256 };
  }
}
