import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runGrc, tempConfigDir } from "../helpers/cli.js";
import { flaskOrMarker, type Peer, startPeer } from "../peers/peer.js";

/**
 * The built CLI against an independent Sovereign GRC server (test/peers/sovereign_peer.py),
 * written from seed 000 alone: its own presigned storage origin and signature, FastAPI-style
 * errors, exactly the documented fields on upload-url and link-to-control, and each of several
 * plausible answers to verify (the seed documents none). Every assertion on what got linked
 * reads the peer's own record, never grc's report.
 */

const hasFlask = flaskOrMarker("peer-skipped", "Sovereign peer e2e test");

interface PeerInfo {
  base_url: string;
  storage_url: string;
  org_id: string;
  keys: { write: string; wildcard: string; read: string; outsider: string };
}

interface LinkCall {
  evidence_id: string;
  control_id: string;
  framework_id: string | null;
  object_key: string | null;
  stored_sha256: string | null;
  created: boolean;
}

interface PeerState {
  links: { evidence_id: string; control_id: string; framework_id: string | null }[];
  link_calls: LinkCall[];
  verify_calls: number;
  objects: Record<string, { size: number; sha256: string; content_type: string }>;
  puts: number;
  storage_rejections: string[];
  storage_saw_authorization: number;
  unmatched: string[];
}

const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

/** 40 files of distinct content: csv, json and txt, some names with spaces, 3 named *trunc*. */
function evidenceDir(): { dir: string; hashes: Map<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "grc-peer-ev-"));
  const hashes = new Map<string, string>();
  for (let i = 1; i <= 40; i++) {
    const n = String(i).padStart(2, "0");
    const [name, text] =
      i % 3 === 0
        ? [`config ${n}.json`, JSON.stringify({ control: "CC6.1", n: i, mfa: i % 2 === 0 })]
        : i % 3 === 1
          ? [`access_logs_${n}.csv`, `timestamp,user\n2024-01-${n}T00:00:00Z,user${i}\n`]
          : [`${i <= 8 ? "trunc_" : ""}notes_${n}.txt`, `review ${i}\n`.repeat(i * 7)];
    writeFileSync(join(dir, name), text);
    hashes.set(name, sha(text));
  }
  return { dir, hashes };
}

function withPeer(args: string[]) {
  const box: { peer?: Peer<PeerInfo> } = {};
  beforeAll(async () => {
    box.peer = await startPeer<PeerInfo>("sovereign_peer.py", args);
  });
  afterAll(async () => {
    await box.peer?.close();
  });
  const peer = () => {
    if (!box.peer) throw new Error("peer not running");
    return box.peer;
  };
  return {
    peer,
    env: (key: keyof PeerInfo["keys"] = "write", org?: string): NodeJS.ProcessEnv => ({
      GRC_BASE_URL: peer().info.base_url,
      GRC_ORG_ID: org ?? peer().info.org_id,
      GRC_API_KEY: peer().info.keys[key],
    }),
    state: () => peer().state<PeerState>(),
  };
}

/** Fails with the CLI's own output, so a finding reads as the user would see it. */
function expectExit(r: CliResult, code: number) {
  expect(r.code, `exit ${r.code}\nstderr:\n${r.stderr.slice(0, 2000)}`).toBe(code);
}

function noSecretsIn(r: CliResult, info: PeerInfo) {
  for (const key of Object.values(info.keys)) {
    expect(r.stdout).not.toContain(key);
    expect(r.stderr).not.toContain(key);
  }
  expect(r.stdout + r.stderr).not.toMatch(/X-Peer-Signature=[0-9a-f]/);
}

/** Every link the peer made ties a stored object whose bytes hash to the evidence id. */
function expectOnlyIntactLinks(s: PeerState) {
  for (const call of s.link_calls) {
    expect(call.object_key, "link carries object_key").toBeTruthy();
    expect(call.stored_sha256, `link of ${call.object_key}`).toBe(call.evidence_id);
  }
}

const push = (dir: string, cwd: string, env: NodeJS.ProcessEnv, extra: string[] = []) =>
  runGrc(
    [
      "evidence",
      "push",
      dir,
      "--control",
      "CC6.1",
      "--framework",
      "SOC2",
      "--receipt",
      "r.ndjson",
      // Each run of a test writes its receipt over the previous run's.
      "--overwrite-receipt",
      ...extra,
    ],
    { env, cwd, timeoutMs: 120_000 },
  );

const VARIANTS: [string, string[]][] = [
  ["ok-only", ["--verify", "ok-only"]],
  ["empty", ["--verify", "empty", "--put-status", "204"]],
  ["conflict", ["--verify", "conflict"]],
  ["unprocessable", ["--verify", "unprocessable", "--put-status", "204"]],
  ["hash-only", ["--verify", "hash-only"]],
];

describe.skipIf(!hasFlask)(
  `grc against an independent Sovereign peer${hasFlask ? "" : " (SKIPPED: python3 has no flask, marker .tmp/peer-skipped written)"}`,
  () => {
    describe.each(VARIANTS)("verify answers %s", (_variant, args) => {
      const p = withPeer(args);

      it("pushes 40 files: exit 0, the peer holds 40 intact links; a rerun skips all; --force reports created: false; the receipt verifies", async () => {
        const { dir, hashes } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const env = { ...p.env(), GRC_CONFIG_DIR: tempConfigDir() };

        const first = await push(dir, cwd, env);
        noSecretsIn(first, p.peer().info);
        expectExit(first, 0);
        let s = await p.state();
        expect(s.unmatched).toEqual([]);
        expect(s.storage_saw_authorization).toBe(0);
        expect(s.storage_rejections).toEqual([]);
        expect(s.links.map((l) => l.evidence_id).sort()).toEqual([...hashes.values()].sort());
        for (const l of s.links) {
          expect(l).toMatchObject({ control_id: "CC6.1", framework_id: "SOC2" });
        }
        expectOnlyIntactLinks(s);
        // The content types the objects were stored with follow the extensions.
        const types = new Set(Object.values(s.objects).map((o) => o.content_type.split(";")[0]));
        expect([...types].sort()).toEqual(["application/json", "text/csv", "text/plain"]);

        const receipt = await runGrc(["evidence", "receipt", "verify", "r.ndjson"], {
          cwd,
          env,
        });
        expectExit(receipt, 0);

        // Unchanged files: nothing sent to the peer, all skipped.
        const callsBefore = s.link_calls.length;
        const again = await push(dir, cwd, env, ["--json"]);
        expectExit(again, 0);
        const rows = JSON.parse(again.stdout) as { status: string }[];
        expect(rows).toHaveLength(40);
        expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["skipped"]));
        s = await p.state();
        expect(s.link_calls).toHaveLength(callsBefore);

        // --force: pushed again, the peer answers created: false and grc reports it.
        const forced = await push(dir, cwd, env, ["--force", "--json"]);
        expectExit(forced, 0);
        const frows = JSON.parse(forced.stdout) as {
          status: string;
          created: boolean | null;
          sha256: string;
        }[];
        expect(frows).toHaveLength(40);
        for (const r of frows) expect(r).toMatchObject({ status: "linked", created: false });
        s = await p.state();
        expect(s.links).toHaveLength(40);
        expect(s.link_calls.slice(callsBefore).every((c) => c.created === false)).toBe(true);
        expectOnlyIntactLinks(s);
      }, 180_000);

      it("verify: the right hash exits 0, a wrong one exits 1; link repeats with created: false", async () => {
        // The objects the push above stored.
        const env = { ...p.env(), GRC_CONFIG_DIR: tempConfigDir() };
        const [key, obj] = Object.entries((await p.state()).objects)[0]!;
        const good = await runGrc(["evidence", "verify", key, "--sha256", obj.sha256], { env });
        expectExit(good, 0);
        const bad = await runGrc(["evidence", "verify", key, "--sha256", "0".repeat(64)], { env });
        expectExit(bad, 1);
        const link = await runGrc(
          [
            "evidence",
            "link",
            obj.sha256,
            "--object-key",
            key,
            "--control",
            "CC6.1",
            "--framework",
            "SOC2",
            "--json",
          ],
          { env },
        );
        expectExit(link, 0);
        expect(link.stdout).toMatch(/"created":\s*false/);
        noSecretsIn(good, p.peer().info);
      }, 120_000);
    });

    describe("re-linking without a framework", () => {
      const p = withPeer([]);

      // Seed 000: "re-linking the same object to the same control returns the existing
      // association with created: false". The existing association carries the framework it
      // was first linked with (SOC2); nothing in the document says a re-link must name it again.
      it("the existing association (framework SOC2) comes back: exit 0, created: false", async () => {
        const { dir } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const env = { ...p.env(), GRC_CONFIG_DIR: tempConfigDir() };
        expectExit(await push(dir, cwd, env), 0);
        const [key, obj] = Object.entries((await p.state()).objects)[0]!;
        const link = await runGrc(
          ["evidence", "link", obj.sha256, "--object-key", key, "--control", "CC6.1", "--json"],
          { env },
        );
        expectExit(link, 0);
        expect(link.stdout).toMatch(/"created":\s*false/);
      }, 120_000);
    });

    describe("credentials", () => {
      const p = withPeer([]);
      const run = async (key: "read" | "outsider" | "write", org?: string) => {
        const { dir } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const r = await push(dir, cwd, { ...p.env(key, org), GRC_CONFIG_DIR: tempConfigDir() });
        noSecretsIn(r, p.peer().info);
        return r;
      };

      it("a read-only key: exit 3 with the seed's scope message, nothing linked", async () => {
        const r = await run("read");
        expectExit(r, 3);
        expect(r.stderr).toContain("missing required scope");
        expect((await p.state()).link_calls).toEqual([]);
      }, 120_000);

      it("another organization: exit 3, not a member of this organization, nothing linked", async () => {
        const r = await run("write", "11111111-2222-4333-8444-555555555555");
        expectExit(r, 3);
        expect(r.stderr).toContain("not a member of this organization");
        const o = await run("outsider");
        expectExit(o, 3);
        expect(o.stderr).toContain("not a member of this organization");
        expect((await p.state()).link_calls).toEqual([]);
      }, 120_000);

      it("a write:* / read:* key pushes like write:evidence", async () => {
        const { dir, hashes } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const r = await push(dir, cwd, { ...p.env("wildcard"), GRC_CONFIG_DIR: tempConfigDir() });
        expectExit(r, 0);
        const s = await p.state();
        expect(s.links.map((l) => l.evidence_id).sort()).toEqual([...hashes.values()].sort());
      }, 120_000);
    });

    describe.each([
      ["ok-only", []],
      ["conflict", ["--verify", "conflict"]],
      ["hash-only", ["--verify", "hash-only"]],
    ] as [string, string[]][])("storage that truncates (verify answers %s)", (_v, args) => {
      const p = withPeer(["--truncate", "trunc_", ...args]);

      it("the truncated files fail, exit 1, and are never linked; the others link", async () => {
        const { dir, hashes } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const env = { ...p.env(), GRC_CONFIG_DIR: tempConfigDir() };
        const r = await push(dir, cwd, env);
        expectExit(r, 1);
        const truncated = readdirSync(dir).filter((f) => f.startsWith("trunc_"));
        expect(truncated).toHaveLength(3);
        for (const f of truncated) expect(r.stderr).toContain(f);
        const s = await p.state();
        expectOnlyIntactLinks(s);
        const want = [...hashes].filter(([f]) => !f.startsWith("trunc_")).map(([, h]) => h);
        expect(s.links.map((l) => l.evidence_id).sort()).toEqual(want.sort());
        // The receipt (if written) lists only linked files and still verifies.
        const receipt = join(cwd, "r.ndjson");
        const lines = readFileSync(receipt, "utf8").trim().split("\n");
        expect(lines.some((l) => l.includes("trunc_"))).toBe(false);
        expectExit(await runGrc(["evidence", "receipt", "verify", "r.ndjson"], { cwd, env }), 0);
      }, 120_000);
    });

    describe("storage with a small max_size (1500 bytes)", () => {
      const p = withPeer(["--max-size", "1500"]);

      it("larger files fail, exit 1, and are never linked; the others link", async () => {
        const { dir, hashes } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const r = await push(dir, cwd, { ...p.env(), GRC_CONFIG_DIR: tempConfigDir() });
        expectExit(r, 1);
        const big = readdirSync(dir).filter((f) => statSync(join(dir, f)).size > 1500);
        expect(big.length).toBeGreaterThan(0);
        for (const f of big) expect(r.stderr).toContain(f);
        const s = await p.state();
        expectOnlyIntactLinks(s);
        const want = [...hashes].filter(([f]) => !big.includes(f)).map(([, h]) => h);
        expect(s.links.map((l) => l.evidence_id).sort()).toEqual(want.sort());
      }, 120_000);
    });

    describe("object storage not configured (503)", () => {
      const p = withPeer(["--no-storage"]);

      it("exit 4, nothing linked, no line per file", async () => {
        const { dir } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const r = await push(
          dir,
          cwd,
          {
            ...p.env(),
            GRC_CONFIG_DIR: tempConfigDir(),
          },
          ["--retries", "1"],
        );
        expectExit(r, 4);
        expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
        expect((await p.state()).link_calls).toEqual([]);
      }, 120_000);
    });

    describe("verify that always says verified: false", () => {
      const p = withPeer(["--verify-lies"]);

      it("every file fails, exit 1, nothing linked", async () => {
        const { dir } = evidenceDir();
        const cwd = mkdtempSync(join(tmpdir(), "grc-peer-cwd-"));
        const r = await push(dir, cwd, { ...p.env(), GRC_CONFIG_DIR: tempConfigDir() });
        expectExit(r, 1);
        expect((await p.state()).link_calls).toEqual([]);
      }, 120_000);
    });
  },
);
