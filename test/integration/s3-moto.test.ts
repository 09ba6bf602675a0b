import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import aws4 from "aws4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockServer, startMockServer } from "../../src/mock/server.js";
import { runGrc } from "../helpers/cli.js";

/**
 * The mock in front of a real S3-compatible server: python3's moto (`python3 -m moto.server`)
 * started on 127.0.0.1 by this test. Presigned URLs are genuine SigV4 (aws4), verify reads
 * the object back. Where moto is missing the suite is skipped, says so, and leaves the
 * marker file .tmp/moto-skipped so .ci/run can fail on a machine that has moto after all.
 */

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MARKER = join(REPO, ".tmp", "moto-skipped");
const hasMoto =
  spawnSync("python3", ["-c", "import moto.server"], { stdio: "ignore" }).status === 0;
if (hasMoto) {
  rmSync(MARKER, { force: true });
} else {
  mkdirSync(join(REPO, ".tmp"), { recursive: true });
  writeFileSync(MARKER, "python3 -c 'import moto.server' failed: S3 integration test skipped\n");
  console.warn(
    "S3 integration test SKIPPED: python3 cannot import moto.server (pip install 'moto[server]'); wrote .tmp/moto-skipped",
  );
}

const credentials = { accessKeyId: "testing-key-id", secretAccessKey: "testing-secret-key" };
const BUCKET = "grc-evidence-it";
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A request signed with SigV4 headers (bucket creation). */
function s3Call(endpoint: string, method: string, path: string): Promise<number> {
  const url = new URL(endpoint);
  const signed = aws4.sign(
    { host: url.host, path, method, service: "s3", region: "us-east-1" },
    credentials,
  );
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: signed.path,
        method,
        headers: signed.headers as Record<string, string>,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe.skipIf(!hasMoto)(
  `S3 storage behind the mock (moto_server${hasMoto ? "" : "; SKIPPED: python3 has no moto, marker .tmp/moto-skipped written"})`,
  () => {
    let moto: ChildProcess | undefined;
    let endpoint = "";
    let mock: MockServer;
    let motoLog = "";

    beforeAll(async () => {
      const port = await freePort();
      endpoint = `http://127.0.0.1:${port}`;
      moto = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      moto.stdout?.on("data", (c) => {
        motoLog += c;
      });
      moto.stderr?.on("data", (c) => {
        motoLog += c;
      });
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await fetch(`${endpoint}/moto-api/`);
          break;
        } catch {
          if (Date.now() > deadline || moto.exitCode !== null) {
            throw new Error(`moto_server did not start on ${endpoint}: ${motoLog}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(await s3Call(endpoint, "PUT", `/${BUCKET}`)).toBe(200);
      mock = await startMockServer({
        platforms: ["sovereign"],
        s3: { endpoint, bucket: BUCKET, region: "us-east-1", ...credentials },
      });
    }, 30_000);

    afterAll(async () => {
      await mock?.close();
      if (moto && moto.exitCode === null) {
        const exited = new Promise((r) => moto!.on("exit", r));
        moto.kill("SIGTERM");
        await exited;
      }
    });

    const api = () => `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence`;
    const headers = () => ({
      Authorization: `Bearer ${mock.identity.apiKey}`,
      "Content-Type": "application/json",
    });

    it("pushes through genuine SigV4 presigned URLs and verifies by reading back", async () => {
      const bytes = "timestamp,user\n2024-01-01T00:00:00Z,alice\n";
      const up = (await (
        await fetch(`${api()}/upload-url`, {
          method: "POST",
          headers: headers(),
          body: JSON.stringify({
            filename: "access_logs_2024.csv",
            content_type: "text/csv",
            control_id: "CC6.1",
          }),
        })
      ).json()) as { upload_url: string; object_key: string; expires_in: number };
      const url = new URL(up.upload_url);
      expect(url.origin).toBe(endpoint);
      expect(url.pathname).toBe(`/${BUCKET}/${up.object_key}`);
      expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
      expect(url.searchParams.get("X-Amz-Expires")).toBe(String(up.expires_in));
      expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type;host");
      expect(url.searchParams.get("X-Amz-Credential")).toMatch(
        /^testing-key-id\/\d{8}\/us-east-1\/s3\/aws4_request$/,
      );

      const put = await fetch(up.upload_url, {
        method: "PUT",
        headers: { "Content-Type": "text/csv" },
        body: bytes,
      });
      expect(put.status).toBe(200);

      const verify = await fetch(
        `${api()}/verify?object_key=${encodeURIComponent(up.object_key)}&expected_hash=${sha(bytes)}`,
        { method: "POST", headers: headers() },
      );
      expect(await verify.json()).toEqual({
        object_key: up.object_key,
        expected_hash: sha(bytes),
        actual_hash: sha(bytes),
        size: bytes.length,
        verified: true,
      });
      const wrong = await fetch(
        `${api()}/verify?object_key=${encodeURIComponent(up.object_key)}&expected_hash=${sha("x")}`,
        { method: "POST", headers: headers() },
      );
      expect(wrong.status).toBe(422);

      const link = await fetch(`${api()}/${sha(bytes)}/link-to-control`, {
        method: "POST",
        headers: headers(),
        body: JSON.stringify({
          control_id: "CC6.1",
          framework_id: "SOC2",
          object_key: up.object_key,
        }),
      });
      expect(await link.json()).toMatchObject({ evidence_id: sha(bytes), created: true });

      const dl = (await (
        await fetch(`${api()}/${sha(bytes)}/download-url`, { headers: headers() })
      ).json()) as { download_url: string };
      expect(new URL(dl.download_url).origin).toBe(endpoint);
      const got = await fetch(dl.download_url);
      expect(await got.text()).toBe(bytes);

      const missing = await fetch(
        `${api()}/verify?object_key=${encodeURIComponent(`orgs/${mock.identity.orgId}/evidence/none/x.csv`)}&expected_hash=${sha("x")}`,
        { method: "POST", headers: headers() },
      );
      expect(missing.status).toBe(404);
      expect(mock.state().objects).toEqual([
        expect.objectContaining({
          object_key: up.object_key,
          sha256: sha(bytes),
          size: bytes.length,
        }),
      ]);
    });

    it("grc evidence push (built CLI) links a folder through S3", async () => {
      const dir = mkdtempSync(join(tmpdir(), "grc-s3-push-"));
      const files: Record<string, string> = {
        "a.csv": "a,b\n1,2\n",
        "b.json": '{"ok":true}\n',
        "c.txt": "plain text evidence\n",
      };
      for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
      const r = await runGrc(
        ["evidence", "push", dir, "--control", "CC7.1", "--no-state", "--output", "json"],
        {
          env: {
            GRC_BASE_URL: mock.baseUrl,
            GRC_ORG_ID: mock.identity.orgId,
            GRC_API_KEY: mock.identity.apiKey,
          },
        },
      );
      expect(r.stderr).toMatch(/^3 files: 3 linked/);
      expect(r.code).toBe(0);
      const lineage = mock.state().lineage as { evidence_id: string; control_id: string }[];
      const linked = lineage.filter((l) => l.control_id === "CC7.1").map((l) => l.evidence_id);
      expect(linked.sort()).toEqual(Object.values(files).map(sha).sort());
    });
  },
);
