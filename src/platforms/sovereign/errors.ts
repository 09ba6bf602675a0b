/**
 * Sovereign GRC's error dialect (seed 000, "Errors"): FastAPI `detail` texts the document names
 * (403 missing required scope, 401/403 not a member of this organization, 503 object storage
 * is not configured) read once, here. The HTTP layer decodes an answer into an HttpError
 * (status, details); this module says what it means for a run and adds the fix a user needs.
 */
import type { ErrorClass, ErrorDialect } from "../../core/platform.js";
import { ContradictingAnswerError, GrcError, HttpError, UnavailableError } from "../../errors.js";
import { statusHint } from "../../http/error-decoder.js";

/** The one place "object storage is not configured" is recognised (seed 000: 503 from upload-url/verify). */
const STORAGE_NOT_CONFIGURED = /storage is not configured/i;

/**
 * Sovereign's 503 "object storage is not configured" is a setting, not a passing outage:
 * retrying it only delays the one-line error, so the client fails at once (`permanentFailure`).
 */
export function storageNotConfigured(status: number, body: Buffer): boolean {
  return status === 503 && STORAGE_NOT_CONFIGURED.test(body.toString("utf8", 0, 4096));
}

/** True for the decoded 503 "object storage is not configured". */
export function isStorageNotConfigured(err: unknown): boolean {
  return (
    err instanceof HttpError &&
    err.status === 503 &&
    STORAGE_NOT_CONFIGURED.test(`${err.details.join(" ")} ${err.message}`)
  );
}

/** The scope a 403 names (`missing required scope: write:evidence`), or undefined. */
export function missingScope(err: HttpError): string | undefined {
  if (err.status !== 403 && err.status !== 401) return undefined;
  const text = `${err.details.join(" ")} ${err.message}`;
  if (!/missing required scope/i.test(text)) return undefined;
  // A scope is `<read|write>:<resource or *>` (seed 000, "Evidence scopes").
  return /missing required scope:?\s*([a-z]+:[\w*-]+)/i.exec(text)?.[1] ?? "the required scope";
}

/** The fix for a Sovereign error text the document names; undefined for anything else. */
export function sovereignHint(err: HttpError): string | undefined {
  const text = `${err.details.join(" ")} ${err.message}`;
  const scope = missingScope(err);
  if (scope !== undefined) {
    return `the API key lacks ${scope}; widen its scopes on the API Keys page`;
  }
  if (/not a member of this organization/i.test(text)) {
    return "check the org ID (--org, GRC_ORG_ID or the profile); the key's user has no membership in it";
  }
  if (/invalid or missing API key/i.test(text)) {
    return "check the API key: run `grc auth login` or set GRC_API_KEY";
  }
  if (isStorageNotConfigured(err)) {
    return "the platform has no object storage configured; ask its administrator";
  }
  return undefined;
}

/** Network failures after which no file can succeed (nothing listens, no such host, an unsafe answer). */
const UNREACHABLE = /\b(ECONNREFUSED|ENOTFOUND|unsafe)\b/;

/** Sovereign's dialect: every evidence call's error goes through `explain` where it arises. */
export const sovereignErrors: ErrorDialect = {
  classify(err: unknown): ErrorClass {
    if (err instanceof HttpError) {
      // The credential (401, 403 scope or membership) and the storage setting are the same
      // for every file.
      if (err.status === 401 || err.status === 403 || isStorageNotConfigured(err)) return "fatal";
      if (err.status === 408 || err.status === 429 || err.status >= 500) return "retryable";
      return "file";
    }
    // An answer about another object or control fails that file only.
    if (err instanceof ContradictingAnswerError) return "file";
    if (err instanceof UnavailableError) {
      return UNREACHABLE.test(err.message) ? "fatal" : "retryable";
    }
    return "file";
  },
  explain(err: unknown): unknown {
    if (!(err instanceof HttpError)) return err;
    const hint = sovereignHint(err);
    // A hint the decoder found more telling than the status (a clock off) stays.
    if (hint === undefined || hint === err.hint) return err;
    if (err.hint !== undefined && err.hint !== statusHint(err.status)) return err;
    return new HttpError(
      err.message,
      {
        status: err.status,
        ...(err.code !== undefined ? { code: err.code } : {}),
        details: err.details,
        hint,
      },
      { cause: err },
    );
  },
};

/** Runs one API call and explains its error in Sovereign's words. */
export async function explained<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw sovereignErrors.explain(err);
  }
}

/**
 * The upload pipeline's view of an error at a step: a failure to connect stops the run, a local
 * read or a storage answer is this file's, and an API answer is classified by the dialect.
 */
export function classifyUploadError(err: unknown, step: string): ErrorClass {
  if (step === "connect") return "fatal";
  if (step === "read" || step === "upload") return "file";
  return sovereignErrors.classify(err);
}

/** A run-stopping error in Sovereign's words: the missing scope named, storage not configured. */
export function uploadFatalError(cause: unknown): GrcError {
  const err =
    cause instanceof GrcError
      ? cause
      : new UnavailableError(cause instanceof Error ? cause.message : String(cause));
  if (err instanceof HttpError && err.status === 403) {
    const scope = missingScope(err);
    if (scope !== undefined && scope !== "the required scope") {
      return new GrcError(
        `the API key lacks the ${scope} scope (403 missing required scope)`,
        err.exitCode,
        "widen the key's scopes on the API Keys page (write:evidence or write:*)",
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
