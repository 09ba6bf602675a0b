import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FileChangedError,
  HashingCounter,
  hashFile,
  hashingReadStream,
  READ_CHUNK_BYTES,
} from "../../../../src/core/evidence/hashing-stream.js";

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-hash-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function drain(stream: HashingCounter): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("HashingCounter", () => {
  it("passes the bytes through unchanged and hashes them in the same pass", async () => {
    // Several reads and a short last one, with bytes that differ between chunks.
    const data = Buffer.alloc(3 * READ_CHUNK_BYTES + 17);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff;
    writeFileSync(join(dir, "f"), data);
    let progress = 0;
    let chunks = 0;
    const stream = hashingReadStream(join(dir, "f"), data.length, (n) => {
      progress += n;
      chunks += 1;
    });
    expect((await drain(stream)).equals(data)).toBe(true);
    expect(stream.sha256).toBe(sha(data));
    expect(progress).toBe(data.length);
    // Reads sized for throughput: three of 1 MiB and the rest (64 KiB reads would be 49).
    expect(chunks).toBe(4);
  });

  it("knows the hash as soon as the expected bytes went through, before end of file", () => {
    const counter = new HashingCounter(6);
    counter.write(Buffer.from("abc"));
    expect(counter.sha256).toBeUndefined();
    counter.write(Buffer.from("def"));
    expect(counter.sha256).toBe(sha("abcdef"));
    expect(new HashingCounter(0).sha256).toBe(sha(""));
  });

  it("fails when the file holds more or fewer bytes than expected", async () => {
    writeFileSync(join(dir, "f"), "12345");
    await expect(drain(hashingReadStream(join(dir, "f"), 4))).rejects.toThrow(
      new FileChangedError(4, 5),
    );
    await expect(drain(hashingReadStream(join(dir, "f"), 6))).rejects.toThrow(
      "the file shrank while it was read (5 of 6 bytes)",
    );
  });

  it("hashes a file on its own (dry run), and reports an unreadable one", async () => {
    writeFileSync(join(dir, "f"), "hello");
    expect(await hashFile(join(dir, "f"), 5)).toEqual({ sha256: sha("hello"), size: 5 });
    await expect(hashFile(join(dir, "missing"), 0)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
