/**
 * StrataGRC's error dialect (seed 001, "Error codes"): the codes with their Solution column,
 * the status each stands for, and the one line an expired session gets. A body carrying one of
 * the codes is that error whatever the status; the HTTP layer only decodes status, code and
 * message, and this module adds the seed's fix.
 */
import type { ErrorClass, ErrorDialect } from "../../core/platform.js";
import { AuthError, HttpError } from "../../errors.js";
import { isRecord } from "./envelope.js";

/** The seed's error codes with their "Solution" column, word for word. */
export const STRATA_ERROR_SOLUTIONS: Readonly<Record<string, string>> = {
  AUTH_REQUIRED: "Log in to the application",
  PERMISSION_DENIED: "Request required permissions from admin",
  NOT_FOUND: "Check the resource ID",
  VALIDATION_ERROR: "Review request parameters",
  SERVER_ERROR: "Contact support if persists",
};

/** The status each code stands for: it picks the exit code (401/403 -> 3, 404/422 -> 2, 500 -> 4). */
export const STRATA_ERROR_STATUS: Readonly<Record<string, number>> = {
  AUTH_REQUIRED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  VALIDATION_ERROR: 422,
  SERVER_ERROR: 500,
};

/** The one line an expired session gets, everywhere. */
export const SESSION_EXPIRED_MESSAGE =
  "session expired: log in to the StrataGRC web app and run `grc auth login --platform strata --session-stdin` again";

/**
 * The seed's error codes wherever an answer carries them (`{"success": false, "error": {code,
 * message}}`, `{"error": "CODE", "message"}`, `{"code": "CODE"}`), even with a 200 status.
 */
export function strataCodeError(body: unknown): HttpError | AuthError | undefined {
  if (!isRecord(body)) return undefined;
  const error = body.error;
  const nested = isRecord(error) ? error : undefined;
  const code = [nested?.code, error, body.code, body.error_code].find(
    (c): c is string => typeof c === "string" && STRATA_ERROR_STATUS[c] !== undefined,
  );
  if (!code) {
    if (body.success === false) {
      const message = [nested?.message, body.message, error].find(
        (m): m is string => typeof m === "string" && m.trim() !== "",
      );
      return new HttpError(`StrataGRC refused the request${message ? `: ${clip(message)}` : ""}`, {
        status: 500,
        details: message ? [clip(message)] : [],
      });
    }
    return undefined;
  }
  const message = [nested?.message, body.message].find(
    (m): m is string => typeof m === "string" && m.trim() !== "",
  );
  const text = message ? `${clip(message)} (${code})` : code;
  const err = new HttpError(text, {
    status: STRATA_ERROR_STATUS[code]!,
    code,
    details: [message ? clip(message) : code],
    hint: STRATA_ERROR_SOLUTIONS[code]!,
  });
  return strataError(err) as HttpError | AuthError;
}

/** One line of server text: control characters removed, at most 300 characters. */
function clip(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ")
    .trim()
    .slice(0, 300);
}

/**
 * Turns a StrataGRC error into the documented line: an expired session names the fix (log in
 * to the web app, then `grc auth login`); other seed codes keep their message plus the seed's
 * Solution as the hint; exit codes: AUTH_REQUIRED/PERMISSION_DENIED 3, NOT_FOUND and
 * VALIDATION_ERROR 2, SERVER_ERROR 4.
 */
export function strataError(err: unknown): unknown {
  if (!(err instanceof HttpError)) return err;
  const code = err.code;
  if (code === "AUTH_REQUIRED" && /expired/i.test(err.message)) {
    return new AuthError(SESSION_EXPIRED_MESSAGE, undefined, { cause: err });
  }
  const status = code ? STRATA_ERROR_STATUS[code] : undefined;
  if (code && status) {
    return new HttpError(
      err.message,
      { status, code, details: err.details, hint: STRATA_ERROR_SOLUTIONS[code]! },
      { cause: err },
    );
  }
  return err;
}

/** StrataGRC's dialect: `explain` is strataError; classify reads the seed's codes first. */
export const strataErrors: ErrorDialect = {
  classify(err: unknown): ErrorClass {
    if (err instanceof AuthError) return "fatal";
    if (!(err instanceof HttpError)) return "file";
    const status = (err.code ? STRATA_ERROR_STATUS[err.code] : undefined) ?? err.status;
    if (status === 401 || status === 403) return "fatal";
    if (status === 408 || status === 429 || status >= 500) return "retryable";
    return "file";
  },
  explain: (err: unknown) => strataError(err),
};
