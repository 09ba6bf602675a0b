import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runInProcess } from "../../../helpers/cli.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";
import { linkObject, mockEnv, storeObject, withMock } from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["sovereign"] });
// Bytes of every value so a text decoding would show.
const BYTES = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
const SHA = createHash("sha256").update(BYTES).digest("hex");

beforeAll(async () => {
  // The seed's flow with plain fetch: upload and link.
  const object_key = await storeObject(mock, BYTES, {
    filename: "backup.bin",
    content_type: "application/octet-stream",
    control_id: "CC6.1",
  });
  await linkObject(mock, { sha256: SHA, object_key, control_id: "CC6.1" });
});

const freshDir = () => mkdtempSync(join(tmpdir(), "grc-dl-"));

describe("grc evidence download (mock)", () => {
  it("writes the verified bytes to -o FILE and leaves no temp file", async () => {
    const dir = freshDir();
    const target = join(dir, "copy.bin");
    const r = await runInProcess(["evidence", "download", SHA, "-o", target], {
      env: mockEnv(mock),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`downloaded ${target} (${BYTES.length} bytes, sha256 verified)\n`);
    expect(readFileSync(target).equals(BYTES)).toBe(true);
    expect(readdirSync(dir)).toEqual(["copy.bin"]);
    // The storage GET carried no platform credentials.
    const get = mock.state().requests.filter((q) => q.origin === "storage" && q.method === "GET");
    expect(get.at(-1)).toMatchObject({ status: 200, authorization: false, cookie: false });
  });

  it("uses the stored file name inside a folder, refuses to overwrite it without --force", async () => {
    const dir = freshDir();
    const first = await runInProcess(["evidence", "download", SHA, "-o", dir, "--json"], {
      env: mockEnv(mock),
    });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      path: join(dir, "backup.bin"),
      size: BYTES.length,
      sha256: SHA,
      verified: true,
    });
    writeFileSync(join(dir, "backup.bin"), "old");
    const again = await runInProcess(["evidence", "download", SHA, "-o", dir], {
      env: mockEnv(mock),
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `grc: ${join(dir, "backup.bin")} already exists — pass --force to overwrite it or -o to choose another name\n`,
    );
    expect(readFileSync(join(dir, "backup.bin"), "utf8")).toBe("old");
    const forced = await runInProcess(["evidence", "download", SHA, "-o", dir, "--force"], {
      env: mockEnv(mock),
    });
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, "backup.bin")).equals(BYTES)).toBe(true);
  });

  it("streams to stdout with -o -", async () => {
    const chunks: Buffer[] = [];
    const { PassThrough } = await import("node:stream");
    const out = new PassThrough();
    out.on("data", (c: Buffer) => chunks.push(c));
    const { runCli } = await import("../../../../src/cli/main.js");
    const err = new PassThrough();
    let errText = "";
    err.on("data", (c) => {
      errText += c;
    });
    const code = await runCli(["evidence", "download", SHA, "-o", "-"], {
      io: {
        stdin: new PassThrough(),
        stdout: out,
        stderr: err,
        stdinIsTTY: false,
        stdoutIsTTY: false,
        stderrIsTTY: false,
        colorStdout: false,
        colorStderr: false,
        columns: 80,
      },
      env: { ...mockEnv(mock), GRC_CONFIG_DIR: freshDir() },
    });
    expect(errText).toBe("");
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).equals(BYTES)).toBe(true);
  });

  it("names unknown evidence (exit 2)", async () => {
    const r = await runInProcess(["evidence", "download", "d".repeat(64), "-o", freshDir()], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grc: evidence not found /);
  });
});

describe("grc evidence download (a storage that misbehaves)", () => {
  const ORG = "org-1";
  const stored = Buffer.from("the real evidence\n");
  const storedSha = createHash("sha256").update(stored).digest("hex");
  let mode: "tampered" | "expired" | "unsafe" = "tampered";
  const fake = useFakeServer();
  let origin = "";
  /** download-url, and (unless the URL is unsafe, when storage must never be asked) the GET. */
  beforeEach(() => {
    const s = fake();
    origin = s.url;
    s.get(`/api/v1/orgs/${ORG}/evidence/${storedSha}/download-url`, () =>
      json(200, {
        download_url:
          mode === "unsafe"
            ? "file:///etc/passwd"
            : `${origin}/grc-evidence/k/report.txt?X-Amz-Signature=feedface`,
        object_key: `orgs/${ORG}/evidence/k/report.txt`,
        expires_in: 60,
        sha256: storedSha,
        size: stored.length,
      }),
    );
    s.get(
      "/grc-evidence/k/report.txt",
      () => {
        if (mode === "expired") {
          return {
            status: 403,
            headers: { "content-type": "application/xml" },
            body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>1</RequestId></Error>',
          };
        }
        // Same length, one byte changed: only the hash can tell.
        const tampered = Buffer.from(stored);
        tampered[0] = 0x54;
        return { status: 200, body: tampered };
      },
      { optional: true },
    );
  });
  const env = () => ({ GRC_BASE_URL: origin, GRC_ORG_ID: ORG, GRC_API_KEY: "sk-test-0123456789" });

  it("deletes a download whose SHA-256 differs and exits 1", async () => {
    mode = "tampered";
    const dir = freshDir();
    const target = join(dir, "report.txt");
    const r = await runInProcess(["evidence", "download", storedSha, "-o", target], { env: env() });
    expect(r.code).toBe(1);
    const got = createHash("sha256")
      .update(Buffer.concat([Buffer.from("T"), stored.subarray(1)]))
      .digest("hex");
    expect(r.stderr).toBe(
      `grc: the downloaded object does not match the evidence (SHA-256 ${got}, expected ${storedSha}) — nothing was kept; retry, and report it if it persists\n`,
    );
    expect(r.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("decodes a storage 403 in one line without the URL's signature (exit 3)", async () => {
    mode = "expired";
    const dir = freshDir();
    const r = await runInProcess(["evidence", "download", storedSha, "-o", join(dir, "r.txt")], {
      env: env(),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "grc: Request has expired (AccessDenied) (HTTP 403 from GET /grc-evidence/k/report.txt) — the presigned URL expired; request a fresh one\n",
    );
    expect(r.stderr).not.toContain("feedface");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses an unsafe download URL (exit 4)", async () => {
    mode = "unsafe";
    const dir = freshDir();
    const r = await runInProcess(["evidence", "download", storedSha, "-o", join(dir, "r.txt")], {
      env: env(),
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "grc: the server returned an unsafe download URL (scheme file is not http(s)) — refusing to use it; report this to the platform operator\n",
    );
    expect(fake().calls("GET", "/grc-evidence/k/report.txt")).toHaveLength(0);
  });
});
