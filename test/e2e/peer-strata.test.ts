import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runGrc, tempConfigDir } from "../helpers/cli.js";
import { flaskOrMarker, type Peer, startPeer } from "../peers/peer.js";

/**
 * The built CLI against an independent StrataGRC server (test/peers/strata_peer.py), written
 * from seed 001 alone: its own paths (set through the profile's path overrides), lists as a
 * bare JSON array or as {"data": [...]}, the status as {authenticated, user, organization},
 * errors as {"error", "code"} with the document's codes.
 */

const hasFlask = flaskOrMarker("peer-strata-skipped", "StrataGRC peer e2e test");

interface PeerInfo {
  base_url: string;
  session: string;
  paths: Record<string, string>;
}

function expectExit(r: CliResult, code: number) {
  expect(r.code, `exit ${r.code}\nstderr:\n${r.stderr.slice(0, 1500)}`).toBe(code);
}

const ids = (r: CliResult): number[] => {
  const parsed = JSON.parse(r.stdout) as unknown;
  const rows = (Array.isArray(parsed) ? parsed : (parsed as { data: unknown[] }).data) as {
    id: number | string;
  }[];
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
};

describe.skipIf(!hasFlask)(
  `grc strata against an independent StrataGRC peer${hasFlask ? "" : " (SKIPPED: python3 has no flask, marker .tmp/peer-strata-skipped written)"}`,
  () => {
    describe.each(["bare", "data"])("lists answered as %s", (shape) => {
      let peer: Peer<PeerInfo> | undefined;
      let env: NodeJS.ProcessEnv = {};
      const grc = (...argv: string[]) => runGrc(argv, { env });
      const requests = async () =>
        (await peer!.state<{ requests: string[] }>()).requests.filter((r) => !r.includes("__peer"));

      beforeAll(async () => {
        peer = await startPeer<PeerInfo>("strata_peer.py", ["--shape", shape]);
        env = { GRC_CONFIG_DIR: tempConfigDir() };
        for (const [key, path] of Object.entries(peer.info.paths)) {
          expectExit(await grc("config", "set", `paths.${key}`, path), 0);
        }
        const login = await runGrc(
          [
            "auth",
            "login",
            "--platform",
            "strata",
            "--base-url",
            peer.info.base_url,
            "--session-stdin",
          ],
          { env, stdin: peer.info.session },
        );
        expectExit(login, 0);
        expect(login.stdout + login.stderr).not.toContain(peer.info.session);
      });
      afterAll(async () => {
        await peer?.close();
      });

      it("strata status names the user and the organization", async () => {
        const r = await grc("strata", "status");
        expectExit(r, 0);
        expect(r.stdout).toContain("dana");
        expect(r.stdout).toContain("Peer Corp");
        expect(r.stdout + r.stderr).not.toContain(peer!.info.session);
      });

      it("strata risks list, with and without the documented filters", async () => {
        const all = await grc("strata", "risks", "list", "--json");
        expectExit(all, 0);
        expect(ids(all)).toEqual([11, 12, 13]);
        const open = await grc("strata", "risks", "list", "--status", "Open", "--json");
        expectExit(open, 0);
        expect(ids(open)).toEqual([11, 12]);
        const tech = await grc("strata", "risks", "list", "--category", "Technology", "--json");
        expectExit(tech, 0);
        expect(ids(tech)).toEqual([13]);
        const seen = await requests();
        expect(seen.some((r) => /^GET \/api\/risks\.php\?.*status=Open/.test(r))).toBe(true);
        expect(
          seen.every((r) => !r.startsWith("GET /api/risks.php") || r.includes("action=list")),
        ).toBe(true);
      });

      it("--all against a server that knows no paging: each record once, and it ends", async () => {
        const r = await runGrc(["strata", "risks", "list", "--all", "--json"], {
          env,
          timeoutMs: 30_000,
        });
        expectExit(r, 0);
        expect(ids(r)).toEqual([11, 12, 13]);
      });

      it("strata controls list, with and without the documented filters", async () => {
        const all = await grc("strata", "controls", "list", "--json");
        expectExit(all, 0);
        expect(ids(all)).toEqual([101, 102, 103]);
        const active = await grc("strata", "controls", "list", "--status", "Active", "--json");
        expectExit(active, 0);
        expect(ids(active)).toEqual([101, 102]);
        const fw = await grc("strata", "controls", "list", "--framework-id", "2", "--json");
        expectExit(fw, 0);
        expect(ids(fw)).toEqual([102, 103]);
      });

      it("an unknown session: exit 3 (AUTH_REQUIRED), one line", async () => {
        const r = await runGrc(["strata", "risks", "list"], {
          env: { ...env, GRC_SESSION: "not-the-session-0123456789" },
        });
        expectExit(r, 3);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).not.toContain("not-the-session-0123456789");
      });
    });
  },
);
