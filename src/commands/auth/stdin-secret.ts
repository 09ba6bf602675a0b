import type { Readable } from "node:stream";
import { validateSecret } from "../../core/config/validate.js";

/** Reads one secret from stdin (`--api-key-stdin` and friends): the whole stream, trimmed, one line. */
export async function readSecretFromStdin(stdin: Readable, label: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
    // A secret is short; refuse to buffer a file someone piped by mistake.
    if (chunks.reduce((n, c) => n + c.length, 0) > 64 * 1024) break;
  }
  return validateSecret(Buffer.concat(chunks).toString("utf8"), label);
}
