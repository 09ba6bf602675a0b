import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ReceiptEntry,
  ReceiptWriter,
  verifyReceipt,
} from "../../../../src/core/evidence/receipt.js";
import { receiptEntry } from "../../../helpers/receipt-entry.js";
import { sha256 } from "./fake-platform.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-receipt-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entry(name: string, content: string): ReceiptEntry {
  writeFileSync(join(dir, name), content);
  return receiptEntry(dir, name, content);
}

async function writeReceipt(file: string, entries: ReceiptEntry[]) {
  const w = await ReceiptWriter.open(file);
  for (const e of entries) w.append(e);
  return w.close({
    base_url: "http://api.test",
    org_id: "org-1",
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:04.000Z",
    linked: entries.length,
    skipped: 0,
    failed: 0,
    interrupted: false,
  });
}

describe("receipts", () => {
  it("ends with a summary holding the SHA-256 of the lines before it", async () => {
    const file = join(dir, "r.ndjson");
    const summary = await writeReceipt(file, [entry("a.txt", "a"), entry("b.txt", "bb")]);
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines).toHaveLength(4); // two entries, the summary, the final newline
    expect(JSON.parse(lines[2]!)).toEqual(summary);
    expect(summary).toMatchObject({ type: "summary", lines: 2, bytes: 3 });
    // Version 2: the SHA-256 of every byte before its 64 hex digits (`head -c -67 | sha256sum`).
    const bytes = readFileSync(file);
    expect(summary.version).toBe(2);
    expect(summary.sha256).toBe(sha256(bytes.subarray(0, bytes.length - 67)));
    expect(bytes.subarray(bytes.length - 67, bytes.length - 3).toString()).toBe(summary.sha256);
    const check = await verifyReceipt(file, { cwd: dir, files: true });
    expect(check).toMatchObject({ ok: true, entries: 2, bytes: 3, filesChecked: 2, problems: [] });
  });

  it("holds no presigned URL or credential", async () => {
    const file = join(dir, "r.ndjson");
    await writeReceipt(file, [entry("a.txt", "a")]);
    const text = readFileSync(file, "utf8");
    expect(text).not.toMatch(
      /X-Amz-Signature|\bsk-|"upload_url"|https?:\/\/storage|Authorization/i,
    );
  });

  it("finds an edited line, a removed line and a cut-short receipt", async () => {
    const file = join(dir, "r.ndjson");
    await writeReceipt(file, [entry("a.txt", "a"), entry("b.txt", "bb")]);
    const lines = readFileSync(file, "utf8").split("\n");

    writeFileSync(
      file,
      [lines[0]!.replace("lin-a.txt", "lin-forged"), lines[1], lines[2], ""].join("\n"),
    );
    let check = await verifyReceipt(file, { cwd: dir });
    expect(check.ok).toBe(false);
    expect(check.problems.map((p) => p.message)).toEqual([
      "the summary's SHA-256 does not match the lines before it: the receipt was altered",
    ]);

    writeFileSync(file, [lines[1], lines[2], ""].join("\n"));
    check = await verifyReceipt(file, { cwd: dir });
    expect(check.problems.map((p) => p.message)).toEqual([
      "the summary's SHA-256 does not match the lines before it: the receipt was altered",
      "the summary counts 2 lines but the receipt holds 1",
      "the summary says 2 linked but the receipt holds 1 evidence lines",
      "the summary says 3 bytes but the evidence lines add up to 2",
    ]);

    writeFileSync(file, [lines[0], lines[1], ""].join("\n"));
    check = await verifyReceipt(file, { cwd: dir });
    expect(check.problems.map((p) => p.message)).toEqual([
      "no summary line: the receipt is incomplete (the push was killed or the file cut short)",
    ]);
  });

  it("with files, finds a file that changed since the push", async () => {
    const file = join(dir, "r.ndjson");
    await writeReceipt(file, [entry("a.txt", "a"), entry("b.txt", "bb")]);
    writeFileSync(join(dir, "a.txt"), "A");
    rmSync(join(dir, "b.txt"));
    const check = await verifyReceipt(file, { cwd: dir, files: true });
    expect(check.problems).toEqual([
      { line: 0, path: "a.txt", message: "SHA-256 differs from the receipt (the file changed)" },
      { line: 0, path: "b.txt", message: "file not found" },
    ]);
  });

  it("refuses a file that is not a receipt", async () => {
    const file = join(dir, "x.txt");
    writeFileSync(file, "hello\n");
    const err = await verifyReceipt(file, { cwd: dir }).catch((e) => e);
    expect(err.line()).toBe(
      `${file} is not a grc receipt (line 1 is not a JSON object) — name a receipt written by \`grc evidence push --receipt\``,
    );
    expect(err.exitCode).toBe(2);
    await expect(verifyReceipt(join(dir, "nope"), { cwd: dir })).rejects.toThrow(
      /^receipt not found/,
    );
  });
});
