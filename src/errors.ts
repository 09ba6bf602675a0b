/**
 * Every failure a user can see is a GrcError: one line of text that names the problem and
 * the fix, and one documented exit code. The CLI prints `message` (and `hint`, when set,
 * after " — ") and exits with `exitCode`; a stack trace appears only with --debug.
 */

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  auth: 3,
  unavailable: 4,
  /**
   * A bug in grc (an exception no code path expected): sysexits.h's EX_SOFTWARE, "an internal
   * software error has been detected". Distinct from 1 (some items failed), so a script or CI
   * step can tell "the platform refused some files" from "grc itself broke".
   */
  internal: 70,
  interrupted: 130,
} as const;

/** Where users report a bug (package.json "bugs"); printed with an internal error. */
export const ISSUES_URL = "https://github.com/grc-cli/grc/issues";
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class of every error the CLI reports as one line. */
export class GrcError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: ExitCodeValue, hint?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
  /** The single line printed on stderr. */
  line(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/** Bad flags, arguments, input files or configuration (exit 2). */
export class UsageError extends GrcError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, hint, options);
  }
}

/**
 * A command run without what it needs (`grc evidence push` with no paths): exit 2, and the
 * CLI prints the command's usage line after the message.
 */
export class MissingInputError extends UsageError {}

/** The local config file is unreadable or malformed (exit 2). */
export class ConfigError extends GrcError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, hint, options);
  }
}

/** Missing, wrong or insufficient credentials (exit 3). */
export class AuthError extends GrcError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super(message, ExitCode.auth, hint, options);
  }
}

/** Network failure, server error or storage unavailable (exit 4). */
export class UnavailableError extends GrcError {
  constructor(message: string, hint?: string, options?: ErrorOptions) {
    super(message, ExitCode.unavailable, hint, options);
  }
}

/**
 * An answer that cannot be used for the item asked about: an unsafe object key, or a row for
 * another evidence or control. A platform module throws it; it fails that item (a push goes
 * on with the other files).
 */
export class ContradictingAnswerError extends UnavailableError {
  constructor(message: string, hint = "refusing to use it; report this to the platform operator") {
    super(message, hint);
  }
}

/** Some items of a bulk operation failed; the others succeeded (exit 1). */
export class PartialFailureError extends GrcError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.someFailed, hint);
  }
}

/** The user interrupted the run (SIGINT, exit 130). */
export class InterruptedError extends GrcError {
  constructor(message = "Interrupted", hint?: string) {
    super(message, ExitCode.interrupted, hint);
  }
}

/**
 * An HTTP response the client could not turn into success, after retries. `exitCode`
 * follows the status: 401/403 -> 3, 5xx/429 -> 4, other 4xx -> 2.
 */
export class HttpError extends GrcError {
  readonly status: number;
  /** Platform error code when the body named one (StrataGRC `AUTH_REQUIRED`, S3 `AccessDenied`). */
  readonly code: string | undefined;
  /** Every human-readable message the body held (JSON:API errors[].title, ...). */
  readonly details: string[];
  constructor(
    message: string,
    init: { status: number; code?: string; details?: string[]; hint?: string },
    options?: ErrorOptions,
  ) {
    super(message, exitCodeForStatus(init.status), init.hint, options);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [message];
  }
}

/** Maps an HTTP status to the documented exit code. */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 429 || status >= 500) return ExitCode.unavailable;
  return ExitCode.usage;
}
