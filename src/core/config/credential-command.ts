import { spawn } from "node:child_process";
import { basename } from "node:path";
import { AuthError, UsageError } from "../../errors.js";
import { redactText } from "../../http/redact.js";

/** How long a credential helper may run before grc gives up (a password manager may ask to unlock). */
export const DEFAULT_CREDENTIAL_TIMEOUT_SECONDS = 30;
/** Environment variable that changes the helper timeout, in seconds. */
export const CREDENTIAL_TIMEOUT_ENV = "GRC_CREDENTIAL_TIMEOUT";
/** A secret is a line; a helper that prints more than this is not printing a secret. */
const MAX_STDOUT_BYTES = 64 * 1024;
/** How much of the helper's last stderr line an error shows. */
const STDERR_SHOWN = 120;

/** The profile field a helper supplies. */
export type SecretField = "api_key" | "hmac_secret" | "session";

/** One credential helper to run: `argv[0]` is the program (found on PATH), no shell. */
export interface CredentialCommand {
  profile: string;
  field: SecretField;
  argv: readonly string[];
}

// Per process: a long-running `grc mcp serve` asks the helper once, not per request.
const cache = new Map<string, Promise<string>>();

/** Forgets cached secrets (tests). */
export function clearCredentialCache(): void {
  cache.clear();
}

function timeoutSeconds(env: NodeJS.ProcessEnv): number {
  const raw = env[CREDENTIAL_TIMEOUT_ENV];
  if (raw === undefined || raw === "") return DEFAULT_CREDENTIAL_TIMEOUT_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(
      `${CREDENTIAL_TIMEOUT_ENV} must be a positive number of seconds, got "${raw}"`,
      `unset it for the default of ${DEFAULT_CREDENTIAL_TIMEOUT_SECONDS}`,
    );
  }
  return n;
}

/**
 * The last line the helper wrote on stderr, for the error: control characters removed,
 * credential-shaped text redacted (a helper may echo a token) and cut to 120 characters.
 */
export function helperStderrLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ").trim())
    .filter(Boolean);
  const last = lines.at(-1);
  if (!last) return "";
  const redacted = redactText(last);
  return redacted.length > STDERR_SHOWN ? `${redacted.slice(0, STDERR_SHOWN - 1)}…` : redacted;
}

/**
 * Runs a credential helper (as git's credential helpers or aws-cli's `credential_process`)
 * and returns the secret it prints: stdout with one trailing newline removed. No shell: the
 * argv comes from the profile as an array. Every failure is one AuthError line that names
 * the profile and the program, never the secret or the helper's stdout.
 */
export function runCredentialCommand(
  command: CredentialCommand,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const key = JSON.stringify([command.profile, command.field, command.argv]);
  let pending = cache.get(key);
  if (!pending) {
    pending = spawnHelper(command, env);
    cache.set(key, pending);
    // A failure is not cached: the next command (or MCP call) may ask again.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

function spawnHelper(command: CredentialCommand, env: NodeJS.ProcessEnv): Promise<string> {
  const seconds = timeoutSeconds(env);
  const program = command.argv[0] ?? "";
  const what = `${command.field}_command of profile "${command.profile}" (${basename(program)})`;
  const fix = `check it with \`grc config get ${command.field}_command --profile ${command.profile}\` and run it by hand`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (problem: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new AuthError(`${what} ${problem}`, fix));
    };
    const child = spawn(program, command.argv.slice(1), {
      env,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`did not finish within ${seconds} s (${CREDENTIAL_TIMEOUT_ENV} changes the limit)`);
    }, seconds * 1000);
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_STDOUT_BYTES) {
        child.kill("SIGKILL");
        fail(`printed more than ${MAX_STDOUT_BYTES / 1024} KiB; a helper prints only the secret`);
        return;
      }
      out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      // Only the tail matters; keep memory flat for a chatty helper.
      err = (err + chunk.toString("utf8")).slice(-4096);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      fail(
        e.code === "ENOENT"
          ? "could not start: program not found"
          : e.code === "EACCES"
            ? "could not start: permission denied"
            : `could not start (${e.code ?? "error"})`,
      );
    });
    child.on("close", (code, signal) => {
      if (settled) return;
      const tail = helperStderrLine(err);
      const said = tail ? `: ${tail}` : "";
      if (signal) return fail(`was killed by ${signal}${said}`);
      if (code !== 0) return fail(`exited with status ${code}${said}`);
      let secret = Buffer.concat(out).toString("utf8");
      secret = secret.replace(/\r?\n$/, "");
      if (secret.trim() === "") return fail("printed nothing on stdout");
      if (/[\r\n]/.test(secret)) return fail("printed more than one line on stdout");
      settled = true;
      clearTimeout(timer);
      resolve(secret);
    });
  });
}
