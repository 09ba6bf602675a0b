import type { Writable } from "node:stream";

/**
 * Writes text or bytes and waits for 'drain' when the stream's buffer is full. A module of its
 * own: a command that prints one document (`grc auth status`) does not load the table and
 * CSV writers of src/output/records.ts.
 */
export function writeWithBackpressure(stream: Writable, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(chunk, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else stream.once("drain", resolve);
  });
}
