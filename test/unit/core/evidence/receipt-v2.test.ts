import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chownSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ReceiptEntry,
  ReceiptWriter,
  verifyReceipt,
} from "../../../../src/core/evidence/receipt.js";
import { receiptEntry } from "../../../helpers/receipt-entry.js";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-receipt2-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entry(name: string, content: string): ReceiptEntry {
  return receiptEntry(dir, name, content);
}

async function writeReceipt(file: string): Promise<string> {
  const w = await ReceiptWriter.open(file);
  w.append(entry("a.txt", "a"));
  w.append(entry("b.txt", "bb"));
  await w.close({
    base_url: "http://api.test",
    org_id: "org-1",
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:04.000Z",
    linked: 2,
    skipped: 1,
    failed: 0,
    interrupted: false,
    ci: null,
  });
  return readFileSync(file, "utf8");
}

const messages = async (file: string) =>
  (await verifyReceipt(file, { cwd: dir })).problems.map((p) => p.message);

describe("receipt version 2", () => {
  it("is sealed by a SHA-256 a shell can check: head -c -67 | sha256sum", async () => {
    const file = join(dir, "r.ndjson");
    await writeReceipt(file);
    const shell = spawnSync("sh", ["-c", `head -c -67 '${file}' | sha256sum`], {
      encoding: "utf8",
    });
    if (shell.status !== 0) return; // not GNU coreutils: the JS check below still runs
    const sealed = readFileSync(file, "utf8").trimEnd().slice(-66, -2);
    expect(shell.stdout.split(" ")[0]).toBe(sealed);
    expect(await verifyReceipt(file, { cwd: dir })).toMatchObject({
      ok: true,
      version: 2,
      notes: [],
    });
  });

  it.each([
    [
      '"linked":2',
      '"linked":3',
      "the summary says 3 linked but the receipt holds 2 evidence lines",
    ],
    ['"bytes":3', '"bytes":30', "the summary says 30 bytes but the evidence lines add up to 3"],
    [
      '"base_url":"http://api.test","org',
      '"base_url":"http://evil.test","org',
      "the summary names base URL http://evil.test but evidence lines name http://api.test",
    ],
    [
      '"org_id":"org-1","started',
      '"org_id":"org-2","started',
      "the summary names org org-2 but evidence lines name org-1",
    ],
    ['"interrupted":false', '"interrupted":true', undefined],
    ['"skipped":1', '"skipped":0', undefined],
    ['"ci":null', '"ci":{"provider":"github-actions"}', undefined],
  ])("fails when the summary's %s is edited to %s", async (from, to, crossCheck) => {
    const file = join(dir, "r.ndjson");
    const text = await writeReceipt(file);
    const lines = text.split("\n");
    expect(lines[2]).toContain(from);
    lines[2] = lines[2]!.replace(from, to);
    writeFileSync(file, lines.join("\n"));
    const found = await messages(file);
    expect(found[0]).toBe(
      "the summary's SHA-256 does not match the lines before it: the receipt was altered",
    );
    if (crossCheck) expect(found).toContain(crossCheck);
  });

  it("fails when the seal is recomputed but the counts were edited (cross-check)", async () => {
    const file = join(dir, "r.ndjson");
    const text = await writeReceipt(file);
    const forged = text
      .replace('"linked":2', '"linked":5')
      .replace(/"sha256":"[0-9a-f]{64}"\}\n$/, "");
    const withSeal = `${forged}"sha256":"${sha256(`${forged}"sha256":"`)}"}\n`;
    writeFileSync(file, withSeal);
    expect(await messages(file)).toEqual([
      "the summary says 5 linked but the receipt holds 2 evidence lines",
    ]);
  });

  it("still verifies a version 1 receipt, and says it is one", async () => {
    const file = join(dir, "v1.ndjson");
    const body = `${JSON.stringify(entry("a.txt", "a"))}\n`;
    const summary = {
      type: "summary",
      version: 1,
      base_url: "http://api.test",
      org_id: "org-1",
      started_at: "2026-01-01T00:00:00.000Z",
      finished_at: "2026-01-01T00:00:04.000Z",
      lines: 1,
      bytes: 1,
      linked: 1,
      skipped: 0,
      failed: 0,
      interrupted: false,
      sha256: sha256(body),
    };
    writeFileSync(file, `${body}${JSON.stringify(summary)}\n`);
    const check = await verifyReceipt(file, { cwd: dir });
    expect(check).toMatchObject({ ok: true, version: 1 });
    expect(check.notes[0]).toMatch(/^version 1 receipt/);
    // The v1 summary is not sealed, but its counts are still checked against the lines.
    writeFileSync(file, `${body}${JSON.stringify({ ...summary, linked: 4 })}\n`);
    expect(await messages(file)).toEqual([
      "the summary says 4 linked but the receipt holds 1 evidence lines",
    ]);
  });
});

describe("reading hostile input", () => {
  it("stops at a line longer than 1 MiB with one usage error", async () => {
    const file = join(dir, "long");
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 0x61));
    const err = await verifyReceipt(file, { cwd: dir }).catch((e) => e);
    expect(err.exitCode).toBe(2);
    expect(err.line()).toMatch(/line 1 is longer than 1024 KiB: not a grc receipt/);
  });

  it("refuses /dev/zero and other non-regular files", async () => {
    const err = await verifyReceipt("/dev/zero", { cwd: dir }).catch((e) => e);
    expect(err.line()).toMatch(/^\/dev\/zero is not a regular file/);
  });

  it("takes a 5,000-deep JSON array as a problem, not a stack overflow", async () => {
    const file = join(dir, "deep");
    const text = await writeReceipt(file);
    const lines = text.split("\n");
    writeFileSync(
      file,
      [lines[0], `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`, lines[2], ""].join("\n"),
    );
    expect((await messages(file)).slice(0, 1)).toEqual(["nested deeper than 8 levels"]);
    writeFileSync(file, `${"[".repeat(5000)}${"]".repeat(5000)}\n`);
    const err = await verifyReceipt(file, { cwd: dir }).catch((e) => e);
    expect(err.exitCode).toBe(2);
  });
});

describe("writing receipts safely", () => {
  it("refuses to write through a symlink and leaves the target alone", async () => {
    const target = join(dir, "target");
    writeFileSync(target, "keep");
    symlinkSync(target, join(dir, "link"));
    const err = await ReceiptWriter.open(join(dir, "link")).catch((e) => e);
    expect(err.line()).toMatch(/refusing to write receipt .*link: it is a symlink/);
    expect(readFileSync(target, "utf8")).toBe("keep");
  });

  it.skipIf(typeof process.getuid !== "function" || process.getuid() !== 0)(
    "refuses a file that belongs to another user",
    async () => {
      const file = join(dir, "theirs");
      writeFileSync(file, "keep");
      chownSync(file, 65534, 65534);
      const err = await ReceiptWriter.open(file).catch((e) => e);
      expect(err.line()).toMatch(/belongs to another user/);
      expect(readFileSync(file, "utf8")).toBe("keep");
    },
  );

  it("refuses a directory or device", async () => {
    await expect(ReceiptWriter.open(dir)).rejects.toThrow(/not a regular file/);
    await expect(ReceiptWriter.open("/dev/null")).rejects.toThrow(/not a regular file/);
  });

  it("reports a failed write (file size limit) at close, not silently", async () => {
    // The writer runs in a child under `ulimit -f`: bundle the module for it (dist/ is one
    // bundle for the CLI, so the module is built on its own here).
    const { buildSync } = await import("esbuild");
    const bundled = join(dir, "receipt-writer.mjs");
    buildSync({
      entryPoints: [
        fileURLToPath(new URL("../../../../src/core/evidence/receipt.ts", import.meta.url)),
      ],
      bundle: true,
      format: "esm",
      platform: "node",
      outfile: bundled,
      logLevel: "silent",
    });
    const run = spawnSync(
      "bash",
      [
        "-c",
        `ulimit -f 1; exec "${process.execPath}" --input-type=module -e '
          const { ReceiptWriter } = await import(${JSON.stringify(pathToFileURL(bundled).href)});
          const w = await ReceiptWriter.open(${JSON.stringify(join(dir, "big.ndjson"))});
          for (let i = 0; i < 5; i++) w.append(${JSON.stringify(entry("a.txt", "a"))});
          try { await w.close({ base_url: "b", org_id: "o", started_at: "s", finished_at: "f", linked: 5, skipped: 0, failed: 0, interrupted: false }); console.log("closed"); }
          catch (e) { console.log(e.line()); }'`,
      ],
      { encoding: "utf8" },
    );
    if (run.error) return; // no bash
    expect(run.stdout).toMatch(
      /^cannot write receipt .*big\.ndjson: EFBIG — check free disk space/,
    );
  });
});
