import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runGrc } from "../../helpers/cli.js";
import { withMock } from "../../helpers/mock.js";
import { type Canaries, findSecretsIn } from "../../helpers/secrets.js";
import { makeFolder } from "./push-run.js";

/**
 * The broad secrets scan of issue 7, shared by `npm test` (a quick subset: every credential
 * kind, push with receipt/state/--debug, a push through faults, each failure kind) and the
 * fault suite (all 38 commands).
 */

const WRONG_SECRET = "wrong-hmac-secret-canary-9f8e7d";
const WRONG_KEY = "sk-wrong-canary-key-0123456789abcdef";
const WRONG_SESSION = "wrong-session-canary-0123456789abcdef";

/** Commands the quick subset runs (besides the logins and the push through faults). */
const QUICK = new Set([
  "push",
  "push again",
  "receipt verify",
  "evidence download",
  "alerts list",
  "alerts sha256",
  "strata status",
  "api evident",
  "api strata",
  "config set key",
  "wrong key",
  "read-only push",
  "wrong hmac",
  "wrong session",
]);

/** Declares the scan: `full` runs every command, otherwise the QUICK subset. */
export function describeBroadSecretScan(full: boolean): void {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "grc-secret-scan-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe(`every byte the CLI writes, across a ${full ? "broad" : "quick"} run, is free of secrets`, () => {
    const mock = withMock({});
    const faulty = withMock({
      platforms: ["sovereign", "evident"],
      faults: "429=0.1,500=0.05,503=0.05,reset=0.02,expire=0.1",
      faultSeed: 77,
    });
    const outputs: Record<string, string> = {};
    let canaries: Canaries;

    const codes: Record<string, number> = {};
    /** Runs one command, keeps its output under a name, and returns the result. */
    async function run(
      name: string,
      args: string[],
      opts: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
    ): Promise<CliResult> {
      const r = await runGrc(args, { timeoutMs: 60_000, ...opts });
      codes[name] = r.code;
      outputs[`${name} stdout`] = r.stdout;
      outputs[`${name} stderr`] = r.stderr;
      return r;
    }

    it("push, queries, auth, strata, grc api and failures, all with --debug", async () => {
      const id = mock.identity;
      canaries = {
        apiKeys: [id.apiKey, id.readOnlyApiKey, id.noOrgApiKey, WRONG_KEY],
        hmacSecrets: [id.hmacSecret, WRONG_SECRET],
        sessions: [id.session, WRONG_SESSION],
      };
      const cfg = mkdtempSync(join(root, "cfg-"));
      const env = { GRC_CONFIG_DIR: cfg };
      const { dir, files } = makeFolder(root, "secret-evidence", 6);
      const receipt = join(root, "receipt.ndjson");
      const state = join(root, "state.json");
      const base = mock.baseUrl;
      const org = id.orgId;

      const logins: [string, string[], string][] = [
        [
          "login bearer",
          ["auth", "login", "--base-url", base, "--org", org, "--api-key-stdin"],
          id.apiKey,
        ],
        [
          "login hmac",
          [
            "auth",
            "login",
            "--profile",
            "esp",
            "--platform",
            "evident",
            "--base-url",
            base,
            "--hmac-key-id",
            id.hmacKeyId,
            "--hmac-secret-stdin",
          ],
          id.hmacSecret,
        ],
        [
          "login hmac256",
          [
            "auth",
            "login",
            "--profile",
            "esp256",
            "--platform",
            "evident",
            "--base-url",
            base,
            "--hmac-key-id",
            id.hmacKeyId,
            "--hmac-sha256",
            "--hmac-secret-stdin",
            "--no-verify",
          ],
          id.hmacSecret,
        ],
        [
          "login session",
          [
            "auth",
            "login",
            "--profile",
            "strata",
            "--platform",
            "strata",
            "--base-url",
            base,
            "--org",
            org,
            "--session-stdin",
          ],
          id.session,
        ],
        [
          "login wrong key",
          [
            "auth",
            "login",
            "--profile",
            "bad",
            "--base-url",
            base,
            "--org",
            org,
            "--api-key-stdin",
          ],
          WRONG_KEY,
        ],
      ];
      for (const [name, args, secret] of logins) {
        await run(name, [...args, "--debug"], { env, stdin: secret });
      }
      expect((await run("status", ["auth", "status"], { env })).code).toBe(0);

      const sha = files[0]!.sha256;
      const commands: [string, string[], NodeJS.ProcessEnv?][] = [
        ["status json", ["auth", "status", "--json"]],
        ["status esp", ["auth", "status", "--profile", "esp", "--json"]],
        ["auth list", ["auth", "list"]],
        ["config list", ["config", "list"]],
        ["config get key", ["config", "get", "api_key"]],
        ["config set key", ["config", "set", "api_key", WRONG_KEY]],
        [
          "push",
          [
            "evidence",
            "push",
            ".",
            "--control",
            "CC6.1",
            "--receipt",
            receipt,
            "--state",
            state,
            "--debug",
          ],
        ],
        [
          "push again",
          [
            "evidence",
            "push",
            ".",
            "--control",
            "CC6.1",
            "--state",
            state,
            "--debug",
            "-o",
            "json",
          ],
        ],
        ["receipt verify", ["evidence", "receipt", "verify", receipt, "--debug"]],
        ["evidence list", ["evidence", "list", "--debug", "-o", "json"]],
        ["evidence get", ["evidence", "get", sha, "--debug"]],
        [
          "evidence download",
          ["evidence", "download", sha, "-o", join(root, "downloaded.txt"), "--debug"],
        ],
        ["evidence download stdout", ["evidence", "download", sha, "-o", "-", "--debug"]],
        ["alerts list", ["alerts", "list", "--profile", "esp", "--page-size", "5", "--debug"]],
        [
          "alerts all",
          [
            "alerts",
            "list",
            "--profile",
            "esp",
            "--all",
            "--page-size",
            "100",
            "--debug",
            "-o",
            "ndjson",
          ],
        ],
        ["alerts sha256", ["alerts", "list", "--profile", "esp256", "--page-size", "3", "--debug"]],
        [
          "alerts get",
          ["alerts", "get", "1", "--profile", "esp", "--debug", "--include", "external_account"],
        ],
        [
          "put search",
          [
            "list",
            "reports",
            "--profile",
            "esp",
            "--search-method",
            "put",
            "--debug",
            "--filter",
            "status_eq=complete",
          ],
        ],
        ["strata status", ["strata", "status", "--profile", "strata", "--debug"]],
        ["strata risks", ["strata", "risks", "list", "--profile", "strata", "--debug"]],
        ["api sovereign", ["api", `/api/v1/orgs/${org}/evidence`, "--debug", "-i"]],
        [
          "api evident",
          ["api", "/api/v2/alerts?page[size]=2", "--profile", "esp", "--debug", "-i"],
        ],
        ["api strata", ["api", "/strata/api/auth/status", "--profile", "strata", "--debug", "-i"]],
        ["api 404", ["api", "/api/v2/nope", "--profile", "esp", "--debug"]],
        // Failures, with --debug: wrong and read-only keys, a wrong HMAC secret, a bad session.
        ["wrong key", ["evidence", "list", "--debug"], { GRC_API_KEY: WRONG_KEY }],
        [
          "read-only push",
          ["evidence", "push", ".", "--control", "C9", "--no-state", "--debug"],
          { GRC_API_KEY: id.readOnlyApiKey },
        ],
        ["no org key", ["evidence", "list", "--debug"], { GRC_API_KEY: id.noOrgApiKey }],
        [
          "wrong hmac",
          ["alerts", "list", "--debug"],
          {
            GRC_BASE_URL: base,
            GRC_HMAC_KEY_ID: id.hmacKeyId,
            GRC_HMAC_SECRET: WRONG_SECRET,
            GRC_PROFILE: "esp",
          },
        ],
        [
          "wrong session",
          ["strata", "risks", "list", "--debug"],
          { GRC_SESSION: WRONG_SESSION, GRC_PROFILE: "strata" },
        ],
        [
          "unreachable",
          ["evidence", "list", "--debug", "--retries", "2", "--base-url", "http://127.0.0.1:9"],
        ],
      ];
      // Pushes share a state file and download needs the push: those run in order; the rest
      // run four at a time.
      const chosen = commands.filter(([name]) => full || QUICK.has(name));
      const ordered = chosen.filter(([name]) => /^(push|receipt|evidence)/.test(name));
      const rest = chosen.filter((c) => !ordered.includes(c));
      for (const [name, args, extra] of ordered) {
        await run(name, args, { env: { ...env, ...extra }, cwd: dir });
      }
      for (let i = 0; i < rest.length; i += 4) {
        await Promise.all(
          rest
            .slice(i, i + 4)
            .map(([name, args, extra]) => run(name, args, { env: { ...env, ...extra }, cwd: dir })),
        );
      }
      // The same push through faults on both origins: retries, expired URLs, error bodies.
      const fenv = {
        GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")),
        GRC_BASE_URL: faulty.baseUrl,
        GRC_ORG_ID: org,
        GRC_API_KEY: id.apiKey,
      };
      const freceipt = join(root, "faulty-receipt.ndjson");
      const fstate = join(root, "faulty-state.json");
      await run(
        "faulty push",
        [
          "evidence",
          "push",
          ".",
          "--control",
          "CC7.1",
          "--receipt",
          freceipt,
          "--state",
          fstate,
          "--debug",
          "--concurrency",
          "2",
          "--retries",
          "10",
        ],
        { env: fenv, cwd: dir },
      );
      await run(
        "faulty alerts",
        ["alerts", "list", "--all", "--page-size", "50", "--debug", "--retries", "10"],
        {
          env: {
            ...fenv,
            GRC_API_KEY: "",
            GRC_HMAC_KEY_ID: id.hmacKeyId,
            GRC_HMAC_SECRET: id.hmacSecret,
          },
        },
      );

      // The runs did what they claim: the scan below covers real traffic, not error screens.
      const failing: Record<string, number> = {
        "login wrong key": 3,
        "config get key": 2,
        "config set key": 2,
        "api 404": 2,
        "wrong key": 3,
        "read-only push": 3,
        "no org key": 3,
        "wrong hmac": 3,
        "wrong session": 3,
        unreachable: 4,
        "faulty push": codes["faulty push"] === 0 ? 0 : 1,
      };
      const expectedCodes = Object.fromEntries(Object.keys(codes).map((n) => [n, failing[n] ?? 0]));
      const wrong = Object.keys(codes)
        .filter((n) => codes[n] !== expectedCodes[n])
        .map(
          (n) =>
            `${n} (exit ${codes[n]}): ${outputs[`${n} stderr`]
              ?.split("\n")
              .filter((l) => !l.startsWith("[debug]"))
              .join(" | ")}`,
        );
      expect(codes, wrong.join("\n")).toEqual(expectedCodes);
      expect(outputs["push stderr"]).toMatch(/6 files: 6 linked/);
      expect(outputs["push stderr"]).toMatch(
        /\[debug\] > PUT http:\/\/127\.0\.0\.1:\d+\/grc-evidence\//,
      );
      expect(outputs["alerts list stderr"]).toMatch(/authorization: APIAuth/);
      expect(outputs["strata status stderr"]).toMatch(/cookie: session=/);
      // A storage URL's query is never printed, not even redacted (issue 11).
      expect(outputs["evidence download stderr"]).toMatch(/\[debug\] > GET \S+\?\[query hidden\]/);
      expect(outputs["wrong hmac stderr"]).toMatch(/^grc: /m);

      const filesWritten: Record<string, string> = {};
      for (const f of [receipt, state, freceipt, fstate]) {
        if (existsSync(f)) filesWritten[f] = readFileSync(f, "utf8");
      }
      expect(Object.keys(filesWritten)).toHaveLength(4);
      const stateDir = join(cfg, "state");
      if (existsSync(stateDir)) {
        for (const f of readdirSync(stateDir))
          filesWritten[join(stateDir, f)] = readFileSync(join(stateDir, f), "utf8");
      }
      const findings = findSecretsIn({ ...outputs, ...filesWritten }, canaries);
      expect(findings).toEqual([]);
      console.info(
        `[figures] secrets scan: ${Object.keys(outputs).length / 2 + 0} commands, ${Object.keys(filesWritten).length} files, ${Object.values({ ...outputs, ...filesWritten }).reduce((n, t) => n + t.length, 0)} bytes scanned, 0 findings`,
      );

      // Storage never saw a platform credential.
      for (const m of [mock, faulty]) {
        const storage = m.state().requests.filter((q) => q.origin === "storage");
        expect(storage.length).toBeGreaterThan(0);
        expect(storage.filter((q) => q.authorization || q.cookie)).toEqual([]);
      }
    }, 240_000);

    it("the scanner itself finds each kind of leak (so an empty result means something)", () => {
      const id = mock.identity;
      const leaked = {
        a: `key ${id.apiKey}`,
        b: `secret=${id.hmacSecret} `,
        c: "authorization: APIAuth abc:Zm9vYmFyYmF6cXV4cXV1eHh4eHh4eHg=",
        d: "Cookie: session=abcdefghijklmnop",
        e: "PUT /b/k?X-Amz-Date=20260101T000000Z&X-Amz-Signature=0123456789abcdef0123",
        f: `session ${id.session}`,
        g: "APIAuth-HMAC-SHA256 abc:Zm9vYmFyYmF6cXV4cXV1eHh4eHh4eHh4eHh4eHh4eHh4eHg=",
      };
      const mine: Canaries = {
        apiKeys: [id.apiKey],
        hmacSecrets: [id.hmacSecret],
        sessions: [id.session],
      };
      const found = findSecretsIn(leaked, mine);
      expect(new Set(found.map((f) => f.where))).toEqual(new Set(Object.keys(leaked)));
      const clean = {
        masked:
          "api_key sk-...cdef, sk-…cdef, authorization: APIAuth [REDACTED], X-Amz-Signature=[REDACTED]",
        hashes: `sha256 ${"ab".repeat(10)}abc123${"cd".repeat(10)} uuid 8b04f3be-b05b-468d-99d9-3abc12301f00`,
      };
      expect(findSecretsIn(clean, mine)).toEqual([]);
    });
  });
}
