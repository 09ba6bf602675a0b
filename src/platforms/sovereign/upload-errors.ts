import type { ErrorClass } from "../../core/platform.js";
import { ContradictingAnswerError, GrcError, HttpError, UnavailableError } from "../../errors.js";

/**
 * Sovereign's evidence-upload error dialect: which errors stop a push for every file, and
 * how they read. (To be folded into this platform's errors module.)
 */

/** True when Sovereign says object storage is not configured (503): every upload would fail. */
export function isStorageNotConfigured(err: unknown): boolean {
  return (
    err instanceof HttpError &&
    err.status === 503 &&
    /not configured/i.test(`${err.details.join(" ")} ${err.message}`)
  );
}

/**
 * Failures that would repeat for every file: the credential (401/403: missing scope, not a
 * member), storage not configured (503), or a server that cannot be reached at all. A local
 * read or a storage answer is this file's; network errors and other 5xx were retried.
 */
export function classifyUploadError(err: unknown, step: string): ErrorClass {
  if (step === "connect") return "fatal";
  if (err instanceof ContradictingAnswerError) return "file";
  if (step === "read" || step === "upload") return "file";
  if (err instanceof HttpError) {
    if (err.status === 401 || err.status === 403 || isStorageNotConfigured(err)) return "fatal";
    return err.status === 429 || err.status >= 500 ? "retryable" : "file";
  }
  if (err instanceof UnavailableError) {
    return /\b(ECONNREFUSED|ENOTFOUND|unsafe)\b/.test(err.message) ? "fatal" : "retryable";
  }
  return "file";
}

/** A run-stopping error in Sovereign's words: the missing scope named, storage not configured. */
export function uploadFatalError(cause: unknown): GrcError {
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
  if (isStorageNotConfigured(err)) {
    return new GrcError(
      "object storage is not configured on the server (503); nothing was uploaded",
      err.exitCode,
      "ask the platform operator to configure object storage (R2_* / CF_ACCOUNT_ID)",
      { cause: err },
    );
  }
  return err;
}
