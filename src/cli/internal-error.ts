import { ISSUES_URL } from "../errors.js";
import { oneLine } from "../output/sanitize.js";

/** The one line for an exception grc did not expect: a bug, exit 70 (the stack only with --debug). */
export function internalErrorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `grc: internal error: ${oneLine(message)} — please report it at ${ISSUES_URL}; rerun with --debug for the stack`;
}
