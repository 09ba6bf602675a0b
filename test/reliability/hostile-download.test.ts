import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { sha256 } from "./lib/push-run.js";
import { type Captured, hasStackTrace, reply, withServer } from "./lib/servers.js";

/**
 * Issue 11: `grc evidence download <sha256>` must not believe the server. It checks the
 * bytes against the id the user asked for (not the hash the server announces), stops at
 * the declared size, and never writes a server-chosen dot-file or path unless -o names it.
 */

const ORG = "00000000-0000-0000-0000-000000000001";
const KEY = "sk-hostile-test-0123456789abcdef";
const ASKED = "asked-for evidence\n";
const OTHER = "what the server would rather hand out\n";

let root: string;
let work: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-download-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  work = mkdtempSync(join(root, "cwd-"));
  mkdirSync(work, { recursive: true });
});

let announce: { sha256: string; size: number; name: string } = { sha256: "", size: 0, name: "" };
let serve: (res: ServerResponse) => void = (res) => reply(res, 200, "text/plain", ASKED);
const storage = withServer((_q, res) => serve(res));
const api = withServer();
beforeAll(() => {
  api.handle((req: Captured, res) => {
    if (req.url.split("?")[0]!.endsWith("/download-url")) {
      return reply(
        res,
        200,
        "application/json",
        JSON.stringify({
          download_url: `${storage.url}/bucket/orgs/${ORG}/evidence/e1/${announce.name}?X-Amz-Signature=abc`,
          object_key: `orgs/${ORG}/evidence/e1/${announce.name}`,
          expires_in: 900,
          sha256: announce.sha256,
          size: announce.size,
        }),
      );
    }
    reply(res, 404, "application/json", '{"detail":"Not Found"}');
  });
});

const env = () => ({
  GRC_BASE_URL: api.url,
  GRC_ORG_ID: ORG,
  GRC_API_KEY: KEY,
  GRC_CONFIG_DIR: tempConfigDir(),
});
const download = (id: string, ...extra: string[]) =>
  runGrc(["evidence", "download", id, ...extra], { env: env(), cwd: work, timeoutMs: 40_000 });

describe("downloads the server would forge", () => {
  it("bytes that match what the server announces but not the id asked for are refused", async () => {
    announce = { sha256: sha256(OTHER), size: OTHER.length, name: "report.txt" };
    serve = (res) => reply(res, 200, "text/plain", OTHER);
    const r = await download(sha256(ASKED));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^grc: .*another evidence|^grc: .*does not match the evidence/m);
    expect(readdirSync(work)).toEqual([]);
  });

  it("a server-chosen dot-file name is not written into the current folder", async () => {
    announce = { sha256: sha256(ASKED), size: ASKED.length, name: ".bash_profile" };
    serve = (res) => reply(res, 200, "text/plain", ASKED);
    const r = await download(sha256(ASKED));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grc: .*\.bash_profile.* — .*-o/m);
    expect(readdirSync(work)).toEqual([]);
    // -o names it: then it is the user's choice.
    const ok = await download(sha256(ASKED), "-o", "profile-copy.txt");
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(work, "profile-copy.txt"))).toBe(true);
  });

  it("an endless download stops at the declared size and keeps nothing", async () => {
    announce = { sha256: sha256(ASKED), size: ASKED.length, name: "big.bin" };
    serve = (res) => {
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, 0x62);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
          /* until the socket pushes back */
        }
      };
      res.on("drain", pump);
      pump();
    };
    const r = await download(sha256(ASKED));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^grc: .*more than the (declared|\d+ bytes)/m);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it("a storage Content-Length above the declared size is refused before reading", async () => {
    announce = { sha256: sha256(ASKED), size: ASKED.length, name: "big.bin" };
    serve = (res) => {
      res.writeHead(200, { "Content-Length": 10_000_000_000 });
      res.write("x");
    };
    const r = await download(sha256(ASKED));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^grc: .*10000000000 bytes.*declared/m);
    expect(readdirSync(work)).toEqual([]);
  });
});
