import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenedFile, SMALL_FILE_BYTES } from "../../../../src/core/evidence/file-reader.js";
import type { HashingCounter } from "../../../../src/core/evidence/hashing-stream.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-reader-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function drain(c: HashingCounter): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of c) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe("OpenedFile", () => {
  it("reads a small file whole and hashes it from memory", () => {
    const p = join(dir, "s.txt");
    writeFileSync(p, "small\n");
    const f = OpenedFile.open(p);
    expect(f.bytes?.toString()).toBe("small\n");
    expect(f.size).toBe(6);
    expect(f.digest()).toBe(sha(Buffer.from("small\n")));
    f.finish();
  });

  it("streams a large file from byte 0 on every attempt (a retried PUT), same bytes and hash", async () => {
    const data = Buffer.alloc(SMALL_FILE_BYTES * 3 + 17, 0x61);
    data[5] = 0x62;
    const p = join(dir, "big.bin");
    writeFileSync(p, data);
    const f = OpenedFile.open(p);
    expect(f.bytes).toBeUndefined();
    const first = f.stream();
    expect((await drain(first)).equals(data)).toBe(true);
    const second = f.stream();
    expect((await drain(second)).equals(data)).toBe(true);
    expect(second.sha256).toBe(sha(data));
    expect(f.last).toBe(second);
    f.finish();
  });

  it("fails finish() when the file changed after it was opened; the bytes are never linked", async () => {
    const p = join(dir, "grow.bin");
    writeFileSync(p, Buffer.alloc(SMALL_FILE_BYTES + 1, 1));
    const f = OpenedFile.open(p);
    await drain(f.stream());
    appendFileSync(p, "more");
    expect(() => f.finish()).toThrow(/the file changed while it was read/);
  });

  it("names an unreadable file, a folder and a missing file in one line each", () => {
    const locked = join(dir, "locked.txt");
    writeFileSync(locked, "x");
    chmodSync(locked, 0o000);
    const root = process.getuid?.() === 0;
    if (!root) expect(() => OpenedFile.open(locked)).toThrow(/permission denied \(EACCES\)/);
    mkdirSync(join(dir, "sub"));
    expect(() => OpenedFile.open(join(dir, "sub"))).toThrow(/not a regular file/);
    expect(() => OpenedFile.open(join(dir, "gone"))).toThrow(/the file disappeared \(ENOENT\)/);
  });
});
