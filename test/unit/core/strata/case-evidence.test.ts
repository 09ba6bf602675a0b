import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { verifyReceipt } from "../../../../src/core/evidence/receipt.js";
import { multipartFileBody } from "../../../../src/core/strata/case-evidence.js";
import { startMockServer } from "../../../../src/mock/server.js";
import { STRATA_EXPIRED_SESSION, type StrataSnapshot } from "../../../../src/mock/strata.js";
import { runInProcess, tempConfigDir } from "../../../helpers/cli.js";
import { json, startFakeServer } from "../../../helpers/fake-server.js";
import { withMock } from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["strata"] });

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

function evidenceDir(): { dir: string; files: Record<string, Buffer> } {
  const dir = mkdtempSync(join(tmpdir(), "grc-strata-ev-"));
  mkdirSync(join(dir, "nested"));
  const files: Record<string, Buffer> = {
    "interview.txt": Buffer.from("Witness statement\r\n--grc-not-a-boundary\r\n"),
    "ledger.csv": Buffer.from("date,amount\n2026-01-02,1200\n"),
    "nested/photo.bin": Buffer.alloc(300_000, 7),
  };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return { dir, files };
}

function grc(
  argv: string[],
  configDir: string,
  session = mock.identity.session,
  baseUrl = mock.baseUrl,
) {
  return runInProcess(argv, {
    env: {
      GRC_BASE_URL: baseUrl,
      GRC_ORG_ID: mock.identity.orgId,
      GRC_SESSION: session,
      GRC_CONFIG_DIR: configDir,
    },
  });
}

function snapshot(): StrataSnapshot {
  return mock.state().strata as StrataSnapshot;
}

beforeEach(async () => {
  await mock.reset();
});

describe("multipartFileBody", () => {
  it("streams exactly contentLength bytes with the file's SHA-256 after it", async () => {
    const { dir, files } = evidenceDir();
    const data = files["ledger.csv"]!;
    const body = multipartFileBody({
      path: join(dir, "ledger.csv"),
      size: data.length,
      filename: 'led"ger.csv',
      contentType: "text/csv",
      description: "bank export",
    });
    const chunks: Buffer[] = [];
    for await (const c of body.open()) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(body.contentLength);
    expect(body.sha256()).toBe(sha(data));
    const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!;
    expect(bytes.toString()).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nbank export\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="led%22ger.csv"\r\nContent-Type: text/csv\r\n\r\n` +
        `${data.toString()}\r\n--${boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n${sha(data)}\r\n--${boundary}--\r\n`,
    );
  });
});

describe("grc strata cases evidence upload", () => {
  it("uploads a folder, the mock's SHA-256 matches, a rerun skips, a receipt verifies", async () => {
    const { dir, files } = evidenceDir();
    const config = tempConfigDir();
    const receipt = join(config, "receipt.ndjson");
    const res = await grc(
      [
        "strata",
        "cases",
        "evidence",
        "upload",
        "4",
        dir,
        "--receipt",
        receipt,
        "--description",
        "intake",
        "--json",
      ],
      config,
    );
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^3 files to case 4: 3 uploaded · \S+ \S+ in \S+.*\n$/);
    const rows = JSON.parse(res.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => [r.filename, r.status, r.sha256, r.created])).toEqual([
      ["interview.txt", "uploaded", sha(files["interview.txt"]!), true],
      ["ledger.csv", "uploaded", sha(files["ledger.csv"]!), true],
      ["photo.bin", "uploaded", sha(files["nested/photo.bin"]!), true],
    ]);
    const stored = snapshot().evidence;
    expect(
      stored.map((e) => [e.case_id, e.filename, e.size, e.sha256, e.description]).sort(),
    ).toEqual(
      [
        [
          4,
          "interview.txt",
          files["interview.txt"]!.length,
          sha(files["interview.txt"]!),
          "intake",
        ],
        [4, "ledger.csv", files["ledger.csv"]!.length, sha(files["ledger.csv"]!), "intake"],
        [4, "photo.bin", 300_000, sha(files["nested/photo.bin"]!), "intake"],
      ].sort(),
    );
    const uploads = mock.state().requests.filter((r) => r.path === "/strata/api/cases/evidence");
    expect(uploads).toHaveLength(3);
    for (const u of uploads) {
      expect(u).toMatchObject({ method: "POST", query: "case_id=4", status: 200, cookie: true });
      expect(u.content_type).toMatch(/^multipart\/form-data; boundary=grc-[0-9a-f]{24}$/);
      expect(u.content_length).toBeGreaterThan(0);
    }

    const check = await verifyReceipt(receipt, { files: true, cwd: process.cwd() });
    expect(check.ok).toBe(true);
    expect(check.entries).toBe(3);
    expect(readFileSync(receipt, "utf8")).not.toContain(mock.identity.session);

    const again = await grc(
      ["strata", "cases", "evidence", "upload", "4", dir, "--output", "ndjson"],
      config,
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /^3 files to case 4: 0 uploaded, 3 skipped \(unchanged\) · 0 B in \S+\n$/,
    );
    expect(
      again.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).status),
    ).toEqual(["skipped", "skipped", "skipped"]);
    expect(
      mock.state().requests.filter((r) => r.path === "/strata/api/cases/evidence"),
    ).toHaveLength(3);

    const forced = await grc(
      ["strata", "cases", "evidence", "upload", "4", join(dir, "ledger.csv"), "--force", "--json"],
      config,
    );
    expect(JSON.parse(forced.stdout)[0]).toMatchObject({ status: "uploaded", created: false });
    expect(snapshot().evidence).toHaveLength(3);
  });

  it("fails a file whose server-side SHA-256 differs (exit 1)", async () => {
    const { dir, files } = evidenceDir();
    // A StrataGRC that stores the file and reports another SHA-256 for it.
    const liar = await startFakeServer();
    liar.get("/strata/api/cases", json(200, { success: true, data: { id: 4 } }), {
      optional: true,
    });
    liar.post(
      "/strata/api/cases/evidence",
      json(200, {
        success: true,
        data: {
          id: 9,
          case_id: 4,
          filename: "ledger.csv",
          size: 1,
          sha256: "0".repeat(64),
          created: true,
        },
      }),
    );
    try {
      const url = liar.url;
      const res = await grc(
        [
          "strata",
          "cases",
          "evidence",
          "upload",
          "4",
          join(dir, "ledger.csv"),
          "--no-state",
          "--verbose",
        ],
        tempConfigDir(),
        mock.identity.session,
        url,
      );
      expect(res.code).toBe(1);
      // --verbose: the row (the reason is not repeated in it: it is on stderr, once).
      expect(res.stdout).toBe(
        `failed\t${join(dir, "ledger.csv")}\t${files["ledger.csv"]!.length}\t${sha(files["ledger.csv"]!)}\t9\n`,
      );
      const [failure, totals, ...rest] = res.stderr.split("\n");
      expect(failure).toBe(
        `grc: failed ${join(dir, "ledger.csv")}: SHA-256 mismatch: sent ${sha(files["ledger.csv"]!)}, StrataGRC stored ${"0".repeat(64)}`,
      );
      expect(totals).toMatch(/^1 file to case 4: 0 uploaded, 1 failed · 0 B in \S+$/);
      expect(rest).toEqual([""]);
      liar.verify();
    } finally {
      await liar.close();
    }
  });

  it("stops with one line for a missing case, an expired session, or a missing path", async () => {
    const { dir } = evidenceDir();
    const config = tempConfigDir();
    const missing = await grc(["strata", "cases", "evidence", "upload", "99", dir], config);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^grc: Case 99 not found .*— Check the resource ID\n$/);
    const expired = await grc(
      ["strata", "cases", "evidence", "upload", "4", dir],
      config,
      STRATA_EXPIRED_SESSION,
    );
    expect(expired.code).toBe(3);
    expect(expired.stderr).toMatch(/^grc: session expired: log in to the StrataGRC web app/);
    const before = mock.state().requests.length;
    const noPath = await grc(
      ["strata", "cases", "evidence", "upload", "4", join(dir, "nope.txt")],
      config,
    );
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toMatch(/^grc: .*nope\.txt/);
    expect(mock.state().requests.length).toBe(before);
    expect(snapshot().evidence).toEqual([]);
  });

  it("on Ctrl-C starts no new file, lets in-flight ones finish and exits 130", async () => {
    const slow = await startMockServer({ platforms: ["strata"], latencyMs: 150 });
    try {
      const dir = mkdtempSync(join(tmpdir(), "grc-strata-int-"));
      for (let i = 0; i < 12; i += 1)
        writeFileSync(join(dir, `f${String(i).padStart(2, "0")}.txt`), `file ${i}\n`);
      const controller = new AbortController();
      const poll = setInterval(() => {
        const stored = (slow.state().strata as StrataSnapshot).evidence.length;
        if (stored >= 2) controller.abort();
      }, 10);
      const config = tempConfigDir();
      const res = await runInProcess(
        [
          "strata",
          "cases",
          "evidence",
          "upload",
          "1",
          dir,
          "--concurrency",
          "1",
          "--output",
          "ndjson",
        ],
        {
          env: {
            GRC_BASE_URL: slow.baseUrl,
            GRC_SESSION: slow.identity.session,
            GRC_CONFIG_DIR: config,
          },
          signal: controller.signal,
        },
      );
      clearInterval(poll);
      expect(res.code).toBe(130);
      const lines = res.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as { status: string });
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines.length).toBeLessThan(12);
      expect(lines.every((l) => l.status === "uploaded")).toBe(true);
      expect((slow.state().strata as StrataSnapshot).evidence).toHaveLength(lines.length);
      expect(res.stderr).toMatch(
        new RegExp(
          `^interrupted: 12 files to case 1: ${lines.length} uploaded, ${12 - lines.length} not started · [^\\n]*; state saved to [^\\n]+\\n$`,
        ),
      );
      const state = JSON.parse(readFileSync(join(config, "state", "default.json"), "utf8")) as {
        entries: unknown[];
      };
      expect(state.entries).toHaveLength(lines.length);
    } finally {
      await slow.close();
    }
  });

  it("shows a progress line and, with --verbose, a table on a TTY", async () => {
    const { dir, files } = evidenceDir();
    const res = await runInProcess(
      ["strata", "cases", "evidence", "upload", "2", join(dir, "ledger.csv"), "--verbose"],
      {
        env: {
          GRC_BASE_URL: mock.baseUrl,
          GRC_SESSION: mock.identity.session,
          GRC_CONFIG_DIR: tempConfigDir(),
        },
        tty: true,
      },
    );
    expect(res.code).toBe(0);
    expect(res.stdout.split("\n")[0]).toMatch(/^STATUS\s+PATH\s+SIZE\s+SHA256\s+EVIDENCE ID$/);
    expect(res.stdout).toContain(` ${sha(files["ledger.csv"]!).slice(0, 12)}`);
    expect(res.stderr).toContain("Uploading files to case 2");
    expect(res.stderr).toMatch(/1 file to case 2: 1 uploaded · \S+ \S+ in \S+.*\n$/);
  });
});
