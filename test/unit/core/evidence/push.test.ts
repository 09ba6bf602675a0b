import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discoverFiles } from "../../../../src/core/evidence/discovery.js";
import {
  type PushEvent,
  type PushOptions,
  pushEvidence,
} from "../../../../src/core/evidence/push.js";
import { PushState } from "../../../../src/core/evidence/state-store.js";
import { AuthError, HttpError } from "../../../../src/errors.js";
import {
  classifyUploadError,
  uploadFatalError,
} from "../../../../src/platforms/sovereign/errors.js";
import { FakePlatform, sha256 } from "./fake-platform.js";

let dir: string;
let fake: FakePlatform;
const scope = { base_url: "http://api.test", org_id: "org-1" };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-push-"));
  fake = new FakePlatform();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, content);
  return p;
}

async function filesOf(paths: string[], control = "CC6.1", framework?: string) {
  return discoverFiles(
    [{ paths, baseDir: dir, target: { control_id: control, framework_id: framework } }],
    {
      cwd: dir,
    },
  );
}

async function run(
  paths: string[],
  opts: Partial<PushOptions> & { state?: PushState; now?: () => Date } = {},
) {
  const events: PushEvent[] = [];
  const files = opts.files ?? (await filesOf(paths));
  const summary = await pushEvidence(
    {
      files,
      scope,
      concurrency: 4,
      verify: true,
      force: false,
      ...opts,
      onEvent: (e) => events.push(e),
    },
    {
      evidence: fake.evidence,
      storage: fake.storage,
      errors: { classify: classifyUploadError, fatalError: uploadFatalError },
      state: opts.state,
      ...(opts.now ? { now: opts.now } : {}),
    },
  );
  return { summary, events };
}

describe("pushEvidence", () => {
  it("runs the four steps per file: the bytes, hash, content type and length reach storage", async () => {
    write("logs/access.csv", "user,time\nalice,1\n");
    write("report.pdf", Buffer.alloc(300_000, 7)); // streamed (over SMALL_FILE_BYTES)
    write("blob.weird", "?");
    const { summary, events } = await run(["logs", "report.pdf", "blob.weird"]);
    expect(summary).toMatchObject({ total: 3, linked: 3, failed: 0, skipped: 0 });
    const byPath = Object.fromEntries(summary.results.map((r) => [r.path, r]));
    expect(byPath["logs/access.csv"]).toEqual({
      path: "logs/access.csv",
      size: 18,
      sha256: sha256("user,time\nalice,1\n"),
      content_type: "text/csv",
      object_key: expect.stringMatching(/^orgs\/o\/evidence\/\d+\/access\.csv$/),
      evidence_id: sha256("user,time\nalice,1\n"),
      lineage_id: expect.stringMatching(/^lin-/),
      control_id: "CC6.1",
      framework_id: null,
      assessment_id: null,
      created: true,
      verified: true,
      status: "linked",
      error: null,
    });
    expect(byPath["blob.weird"]!.content_type).toBe("application/octet-stream");
    // Storage received exactly the file bytes with the signed type and the file's length.
    for (const r of summary.results) {
      const stored = fake.objects.get(r.object_key!)!;
      expect(stored.sha256).toBe(r.sha256);
      expect(stored.contentType).toBe(r.content_type);
    }
    expect(fake.puts.map((p) => p.contentLength).sort((a, b) => a - b)).toEqual([1, 18, 300_000]);
    expect(fake.uploadUrlBodies.find((b) => b.filename === "report.pdf")).toEqual({
      filename: "report.pdf",
      content_type: "application/pdf",
      control_id: "CC6.1",
      framework_id: undefined,
      assessment_id: undefined,
    });
    // Per file: hashed, uploaded, verified, linked, in that order.
    const steps = events
      .filter((e) => "path" in e && e.path === "report.pdf" && e.type !== "progress")
      .map((e) => e.type);
    expect(steps).toEqual(["file-hashed", "uploaded", "verified"]);
    const progress = events
      .filter((e): e is Extract<PushEvent, { type: "progress" }> => e.type === "progress")
      .reduce((n, e) => n + e.bytes, 0);
    expect(progress).toBe(300_019);
  });

  it("treats created:false as linked (same content, same control)", async () => {
    write("a.txt", "same");
    write("b.txt", "same");
    const { summary } = await run(["a.txt", "b.txt"], { concurrency: 1 });
    expect(summary.results.map((r) => [r.status, r.created])).toEqual([
      ["linked", true],
      ["linked", false],
    ]);
    expect(summary.alreadyLinked).toBe(1);
    expect(fake.lineage.size).toBe(1);
  });

  it("fails a file over max_size before sending a byte, and pushes the others", async () => {
    write("big.bin", Buffer.alloc(2048));
    write("small.txt", "ok");
    fake.maxSize = 1024;
    const { summary } = await run(["big.bin", "small.txt"]);
    const big = summary.results.find((r) => r.path === "big.bin")!;
    expect(big.status).toBe("failed");
    expect(big.error).toBe(
      "the file is 2.0 KiB, larger than the 1.0 KiB the server accepts (max_size 1024 bytes); nothing was sent — split the file or ask the platform operator to raise the limit",
    );
    expect(fake.puts.map((p) => p.objectKey)).toEqual([expect.stringMatching(/small\.txt$/)]);
    expect(summary).toMatchObject({ linked: 1, failed: 1, fatal: undefined });
  });

  it("replaces a URL storage calls expired once, and only once", async () => {
    write("a.txt", "a");
    fake.storageFaults.push({ status: 403, code: "AccessDenied", message: "Request has expired" });
    const first = await run(["a.txt"]);
    expect(first.summary.linked).toBe(1);
    expect(fake.calls.filter((c) => c.startsWith("upload-url"))).toHaveLength(2);
    expect(first.events.find((e) => e.type === "url-refreshed")).toMatchObject({
      reason: "expired-at-storage",
    });

    fake = new FakePlatform();
    fake.storageFaults.push(
      { status: 403, code: "AccessDenied", message: "Request has expired" },
      { status: 403, code: "AccessDenied", message: "Request has expired" },
    );
    const second = await run(["a.txt"]);
    expect(second.summary.failed).toBe(1);
    expect(second.summary.results[0]!.error).toMatch(/^upload: Request has expired/);
    expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(2);
  });

  it("does not retry any other storage 403", async () => {
    write("a.txt", "a");
    fake.storageFaults.push({
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "signature mismatch",
    });
    const { summary } = await run(["a.txt"]);
    expect(summary.failed).toBe(1);
    expect(summary.results[0]!.error).toMatch(/^upload: signature mismatch/);
    expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(1);
    expect(fake.calls.some((c) => c.startsWith("link"))).toBe(false);
  });

  // One retry layer: the storage client retries 5xx/429 within its budget (see
  // test/unit/http/storage-client.test.ts; the fault suites hold "every file linked exactly
  // once" through it). An answer that is still a failure after those retries fails the file
  // at once: the pipeline gives no second pass at the end of the run.
  it("fails a file whose storage retries ran out at once, reported, with no second pass", async () => {
    write("a.txt", "a");
    write("b.txt", "b");
    fake.storageFaults.push({ status: 503, code: "SlowDown", message: "please reduce your rate" });
    const { summary, events } = await run(["a.txt", "b.txt"], { concurrency: 1 });
    expect(summary).toMatchObject({ linked: 1, failed: 1 });
    expect(events.filter((e) => e.type === "failed")).toHaveLength(1);
    expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(2);
    expect(summary.results.find((r) => r.status === "failed")!.error).toMatch(/^upload: /);
  });

  it("reports the failure once when storage keeps failing (one PUT per file from the pipeline)", async () => {
    write("a.txt", "a");
    for (let i = 0; i < 2; i++) {
      fake.storageFaults.push({
        status: 503,
        code: "SlowDown",
        message: "please reduce your rate",
      });
    }
    const { summary, events } = await run(["a.txt"]);
    expect(summary).toMatchObject({ linked: 0, failed: 1 });
    expect(events.filter((e) => e.type === "failed")).toHaveLength(1);
    expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(1);
    // The status survives the step prefix: a 503 stays a 503 (exit 4), not a bare line.
    const failed = events.find((e) => e.type === "failed");
    expect(failed?.type === "failed" && failed.error.exitCode).toBe(4);
  });

  it("requests a fresh URL when the first ran out before the PUT started", async () => {
    write("a.txt", "a");
    fake.expiresIn = 30;
    let t = Date.parse("2026-01-01T00:00:00Z");
    // Every clock reading is 40 s later: the URL is stale by the time the PUT would start.
    const now = () => {
      t += 40_000;
      return new Date(t);
    };
    const { summary, events } = await run(["a.txt"], { now });
    expect(summary.linked).toBe(1);
    expect(events.filter((e) => e.type === "url-refreshed")).toEqual([
      { type: "url-refreshed", path: "a.txt", reason: "expired-before-use" },
    ]);
    expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(1);
  });

  it("fails a file whose stored object does not verify, and never links it", async () => {
    write("a.txt", "a");
    fake.corrupt = true;
    const { summary } = await run(["a.txt"]);
    expect(summary.results[0]).toMatchObject({
      status: "failed",
      verified: false,
      lineage_id: null,
    });
    expect(summary.results[0]!.error).toMatch(
      /^verify failed: the stored object's SHA-256 differs/,
    );
    expect(fake.calls.some((c) => c.startsWith("link"))).toBe(false);
  });

  it("skips verify with verify: false", async () => {
    write("a.txt", "a");
    const { summary } = await run(["a.txt"], { verify: false });
    expect(summary.results[0]).toMatchObject({ status: "linked", verified: null });
    expect(fake.calls.some((c) => c.startsWith("verify"))).toBe(false);
  });

  it("fails a file that changed while it was read", async () => {
    // Large enough to stream: a small file is read in one go and checked right then.
    const p = write("grows.log", "line 1\n".repeat(50_000));
    const files = await filesOf(["grows.log"]);
    appendFileSync(p, "line 2\n"); // between discovery and upload: fine, the new size is used
    const origRequest = fake.storage.request;
    fake.storage.request = async (req) => {
      const res = await origRequest(req);
      utimesSync(p, new Date(), new Date(Date.now() + 5000)); // touched after the read
      return res;
    };
    const { summary } = await run([], { files });
    expect(summary.results[0]).toMatchObject({ status: "failed", lineage_id: null });
    expect(summary.results[0]!.error).toMatch(/the file changed while it was read/);
    expect(fake.calls.some((c) => c.startsWith("link"))).toBe(false);
  });

  it("fails a file that grew during the read (more bytes than its Content-Length)", async () => {
    const p = write("grows.log", "x".repeat(300_000));
    const origRequest = fake.storage.request;
    fake.storage.request = async (req) => {
      appendFileSync(p, "more bytes");
      return origRequest(req);
    };
    const { summary } = await run(["grows.log"]);
    expect(summary.results[0]!.error).toMatch(/the file grew while it was read/);
    expect(fake.objects.size).toBe(0);
  });

  it("reports a file that disappeared, and goes on with the others", async () => {
    const p = write("gone.txt", "x");
    write("here.txt", "y");
    const files = await filesOf(["gone.txt", "here.txt"]);
    rmSync(p);
    const { summary } = await run([], { files });
    expect(summary.results.map((r) => [r.path, r.status, r.error])).toEqual([
      [
        "gone.txt",
        "failed",
        "cannot read the file: the file disappeared (ENOENT) — check the file and its permissions",
      ],
      ["here.txt", "linked", null],
    ]);
    expect(fake.calls.filter((c) => c.startsWith("upload-url"))).toHaveLength(1);
  });

  it("stops the run on a missing scope, naming the scope and the API Keys page", async () => {
    for (const n of [1, 2, 3]) write(`f${n}.txt`, String(n));
    fake.uploadUrlErrors.push(
      new HttpError("missing required scope: write:evidence", {
        status: 403,
        details: ["missing required scope: write:evidence"],
      }),
    );
    // Even at concurrency 8 the first file goes alone: one failure, the rest never start.
    const { summary, events } = await run(["."], { concurrency: 8 });
    expect(summary.fatal?.line()).toBe(
      "the API key lacks the write:evidence scope (403 missing required scope) — widen the key's scopes on the API Keys page (write:evidence or write:*)",
    );
    expect(summary.fatal?.exitCode).toBe(3);
    expect(summary).toMatchObject({ failed: 1, notStarted: 2, linked: 0 });
    expect(events.find((e) => e.type === "failed")).toMatchObject({ fatal: true });
  });

  it("starts the other files once the first one's upload-url was answered, not after its PUT", async () => {
    for (const n of [1, 2, 3]) write(`f${n}.txt`, String(n));
    let uploadUrls = 0;
    const origUrl = fake.evidence.requestUploadUrl;
    fake.evidence.requestUploadUrl = async (p) => {
      uploadUrls += 1;
      return origUrl(p);
    };
    // The first PUT waits until another file has asked for its upload URL (or 2 s went by).
    let heldFor = -1;
    const origRequest = fake.storage.request;
    fake.storage.request = async (req) => {
      if (heldFor < 0) {
        const started = Date.now();
        while (uploadUrls < 2 && Date.now() - started < 2000) {
          await new Promise((r) => setTimeout(r, 5));
        }
        heldFor = uploadUrls;
      }
      return origRequest(req);
    };
    const { summary } = await run(["."], { concurrency: 8 });
    expect(summary.linked).toBe(3);
    expect(heldFor).toBeGreaterThanOrEqual(2);
  });

  it("stops the run when storage is not configured (503)", async () => {
    write("a.txt", "a");
    write("b.txt", "b");
    fake.uploadUrlErrors.push(
      new HttpError("object storage is not configured", {
        status: 503,
        details: ["object storage is not configured"],
      }),
    );
    const { summary } = await run(["."], { concurrency: 1 });
    expect(summary.fatal?.exitCode).toBe(4);
    expect(summary.fatal?.message).toMatch(/object storage is not configured/);
    expect(summary.notStarted).toBe(1);
    expect(fake.puts).toHaveLength(0);
  });

  it("keeps at most `concurrency` files in flight", async () => {
    for (let i = 0; i < 20; i++) write(`f${i}.txt`, `file ${i}`);
    let inFlight = 0;
    let peak = 0;
    const orig = fake.evidence.requestUploadUrl;
    fake.evidence.requestUploadUrl = async (p) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      return orig(p);
    };
    const origLink = fake.evidence.linkToControl;
    fake.evidence.linkToControl = async (p) => {
      const r = await origLink(p);
      inFlight -= 1;
      return r;
    };
    const { summary } = await run(["."], { concurrency: 3 });
    expect(summary.linked).toBe(20);
    expect(peak).toBe(3);
  });

  it("stops taking new files when interrupted and lets the file in flight finish", async () => {
    for (let i = 0; i < 5; i++) write(`f${i}.txt`, `file ${i}`);
    const controller = new AbortController();
    const files = await filesOf(["."]);
    const events: PushEvent[] = [];
    const summary = await pushEvidence(
      {
        files,
        scope,
        concurrency: 1,
        verify: true,
        force: false,
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.type === "uploaded") controller.abort();
        },
      },
      { evidence: fake.evidence, storage: fake.storage },
    );
    expect(summary).toMatchObject({ interrupted: true, linked: 1, notStarted: 4, failed: 0 });
    expect(fake.lineage.size).toBe(1);
  });

  it("skips unchanged linked files on a rerun without reading them, and pushes changed ones", async () => {
    write("a.txt", "a");
    const b = write("b.txt", "b");
    const stateFile = join(dir, "state", "default.json");
    const state1 = await PushState.load(stateFile);
    const first = await run(["a.txt", "b.txt"], { state: state1 });
    await state1.close();
    expect(first.summary.linked).toBe(2);

    fake.calls.length = 0;
    const state2 = await PushState.load(stateFile);
    writeFileSync(b, "b changed");
    const second = await run(["a.txt", "b.txt"], { state: state2 });
    await state2.close();
    expect(second.summary.results.map((r) => [r.path, r.status])).toEqual([
      ["a.txt", "skipped"],
      ["b.txt", "linked"],
    ]);
    expect(second.summary.results[0]).toMatchObject({
      sha256: sha256("a"),
      lineage_id: first.summary.results[0]!.lineage_id,
    });
    expect(fake.calls.filter((c) => c.includes("a.txt"))).toEqual([]);

    // --force pushes again; the server answers created:false.
    const state3 = await PushState.load(stateFile);
    const third = await run(["a.txt"], { state: state3, force: true });
    expect(third.summary.results[0]).toMatchObject({ status: "linked", created: false });
    await state3.close();
  });

  it("connects only when a file needs the server; a failed connect stops the run up front", async () => {
    write("a.txt", "a");
    const state = await PushState.load(join(dir, "s.json"));
    await run(["a.txt"], { state });
    let connects = 0;
    const rerun = await pushEvidence(
      { files: await filesOf(["a.txt"]), scope, concurrency: 2, verify: true, force: false },
      {
        state,
        connect: async () => {
          connects += 1;
          throw new AuthError('no credentials for profile "default"', "run `grc auth login`");
        },
      },
    );
    expect(rerun).toMatchObject({ skipped: 1, fatal: undefined });
    expect(connects).toBe(0);
    write("b.txt", "b");
    const fresh = await pushEvidence(
      {
        files: await filesOf(["a.txt", "b.txt"]),
        scope,
        concurrency: 2,
        verify: true,
        force: false,
      },
      {
        state,
        connect: async () => {
          connects += 1;
          throw new AuthError('no credentials for profile "default"', "run `grc auth login`");
        },
      },
    );
    expect(connects).toBe(1);
    expect(fresh.fatal?.line()).toBe('no credentials for profile "default" — run `grc auth login`');
    expect(fresh.fatal?.exitCode).toBe(3);
    // One error for the run, before any file: none is reported failed.
    expect(fresh).toMatchObject({ skipped: 0, failed: 0, notStarted: 2, results: [] });
    await state.close();
  });

  it("links a verified upload whose link a killed run never recorded, without uploading again", async () => {
    write("a.txt", "a");
    write("b.txt", "b");
    const stateFile = join(dir, "s.json");
    const killed = await PushState.load(stateFile);
    const origLink = fake.evidence.linkToControl;
    fake.evidence.linkToControl = async () => {
      throw new Error("socket hang up"); // the run dies while link-to-control is on the wire
    };
    const first = await run(["a.txt", "b.txt"], { state: killed });
    expect(first.summary.failed).toBe(2);
    await killed.flush();
    killed.unlock(); // the run dies here: its lock is stale for the next one
    fake.evidence.linkToControl = origLink;
    // b's stored object vanished meanwhile: that one is pushed again from the start.
    const bKey = first.summary.results[1]!.object_key!;
    fake.objects.delete(bKey);
    fake.calls.length = 0;
    const state = await PushState.load(stateFile);
    const rerun = await run(["a.txt", "b.txt"], { state });
    await state.close();
    expect(rerun.summary.results.map((r) => [r.path, r.status, r.verified])).toEqual([
      ["a.txt", "linked", true],
      ["b.txt", "linked", true],
    ]);
    expect(rerun.summary.results[0]!.object_key).toBe(first.summary.results[0]!.object_key);
    expect(fake.calls.filter((c) => c.startsWith("upload-url"))).toEqual(["upload-url b.txt"]);
    expect(fake.calls.filter((c) => c.startsWith("put"))).toHaveLength(1);
    expect(fake.lineage.size).toBe(2);
  });

  it("does not skip a file linked to another control or on another server", async () => {
    write("a.txt", "a");
    const state = await PushState.load(join(dir, "s.json"));
    await run(["a.txt"], { state });
    const other = await run([], { state, files: await filesOf(["a.txt"], "CC7.2") });
    expect(other.summary.results[0]!.status).toBe("linked");
    const elsewhere = await pushEvidence(
      {
        files: await filesOf(["a.txt"]),
        scope: { ...scope, base_url: "http://other.test" },
        concurrency: 1,
        verify: true,
        force: false,
      },
      { evidence: fake.evidence, storage: fake.storage, state },
    );
    expect(elsewhere.results[0]!.status).toBe("linked");
    await state.close();
  });

  it("dry run hashes and lists, sends nothing, and says which files the state would skip", async () => {
    write("a.txt", "a");
    write("b.txt", "bb");
    const state = await PushState.load(join(dir, "s.json"));
    await run(["a.txt"], { state });
    fake.calls.length = 0;
    const { summary } = await run(["a.txt", "b.txt"], { state, dryRun: true });
    expect(summary.results.map((r) => [r.path, r.status, r.sha256, r.size])).toEqual([
      ["a.txt", "skipped", sha256("a"), 1],
      ["b.txt", "dry-run", sha256("bb"), 2],
    ]);
    expect(fake.calls).toEqual([]);
    await state.close();
  });
});
