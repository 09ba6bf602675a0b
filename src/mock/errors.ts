/**
 * The mock's own error for options it cannot use (a bad fault spec, a port that is taken,
 * an unusable S3 endpoint). The mock imports nothing of the CLI's error classes; the
 * `grc mock serve` command turns this into a usage error (exit 2).
 */
export class MockOptionError extends Error {
  constructor(
    message: string,
    /** How to fix it, when there is something to say. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "MockOptionError";
  }

  /** The single line a command prints: the problem, then the fix. */
  line(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}
