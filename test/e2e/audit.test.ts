import { execFileSync, spawn } from "node:child_process";
import { createHash, createPublicKey, verify } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { writeFiles } from "../helpers/files.js";
import { DIALECTS, withMock } from "../helpers/mock.js";
import {
  HAVE_SSH_KEYGEN,
  makeKey,
  sshVerify,
  type TestKey,
} from "../unit/core/audit/ssh-fixtures.js";

/**
 * Audit-grade evidence end to end: the built CLI against the mock signs receipts that
 * OpenSSH's own `ssh-keygen -Y verify` accepts, writes DSSE attestations checked here with
 * node:crypto, exports OSCAL that NIST's schema accepts, and survives hostile files.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
addFormats(ajv);
const validateOscal = ajv.compile(
  JSON.parse(
    readFileSync(
      new URL("../fixtures/oscal-1.0.4-assessment-results-schema.json", import.meta.url),
      "utf8",
    ),
  ),
);

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-audit-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  return writeFiles(join(root, name), files);
}

/** The Ed25519 public key from a .pub line, as SPKI (RFC 8410), without grc's parser. */
function ed25519Public(pubLine: string) {
  const raw = Buffer.from(pubLine.split(" ")[1]!, "base64").subarray(-32);
  return createPublicKey({
    key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]),
    format: "der",
    type: "spki",
  });
}

const GITHUB = {
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "acme/compliance",
  GITHUB_SHA: "8f14e45fceea167a5a36dedd4bea2543",
  GITHUB_RUN_ID: "4242",
  GITHUB_JOB: "evidence",
  GITHUB_TOKEN: "ghs_NeverWriteThisTokenAnywhere0000",
};

describe.skipIf(!HAVE_SSH_KEYGEN).each(DIALECTS)("audit-grade evidence (%s dialect)", (dialect) => {
  const mock = withMock({ dialect });
  let key: TestKey;
  let other: TestKey;
  let allowed: string;
  beforeAll(() => {
    const keys = join(root, `keys-${dialect}`);
    mkdirSync(keys);
    key = makeKey(keys, "ci");
    other = makeKey(keys, "other");
    allowed = join(keys, "allowed_signers");
    writeFileSync(allowed, `auditor@example.com namespaces="grc-receipt" ${key.pub}\n`);
  });
  const grc = (argv: string[], env: NodeJS.ProcessEnv = {}, cwd = root) =>
    runGrc(argv, { env: { ...mock.env(), ...env }, cwd });

  it("signs the receipt so that ssh-keygen -Y verify accepts it, and attests every file", async () => {
    const dir = tree(`signed-${dialect}`, { "users.csv": "alice,admin\n", "roles.csv": "admin\n" });
    const receipt = join(root, `signed-${dialect}.ndjson`);
    const attestation = join(root, `signed-${dialect}.intoto.json`);
    const res = await grc(
      [
        "evidence",
        "push",
        dir,
        "--control",
        "CC6.1",
        "--framework",
        "SOC2",
        "--receipt",
        receipt,
        "--sign-key",
        key.file,
        "--attestation",
        attestation,
      ],
      GITHUB,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^receipt signed: .*\.ndjson\.sig \(ssh-ed25519 SHA256:\S+\)$/m);
    const bytes = readFileSync(receipt);
    const sigFile = `${receipt}.sig`;

    // OpenSSH itself: good; a changed byte, a wrong namespace and a key not allowed all fail.
    const good = sshVerify({
      allowedSigners: allowed,
      identity: "auditor@example.com",
      namespace: "grc-receipt",
      sigFile,
      message: bytes,
    });
    expect(good.out).toContain('Good "grc-receipt" signature for auditor@example.com');
    expect(good.status).toBe(0);
    const changed = Buffer.from(bytes);
    changed[20] = changed[20]! ^ 1;
    expect(
      sshVerify({
        allowedSigners: allowed,
        identity: "auditor@example.com",
        namespace: "grc-receipt",
        sigFile,
        message: changed,
      }).status,
    ).not.toBe(0);
    expect(
      sshVerify({
        allowedSigners: allowed,
        identity: "auditor@example.com",
        namespace: "git",
        sigFile,
        message: bytes,
      }).status,
    ).not.toBe(0);
    const otherAllowed = join(root, `other-allowed-${dialect}`);
    writeFileSync(otherAllowed, `auditor@example.com ${other.pub}\n`);
    expect(
      sshVerify({
        allowedSigners: otherAllowed,
        identity: "auditor@example.com",
        namespace: "grc-receipt",
        sigFile,
        message: bytes,
      }).status,
    ).not.toBe(0);

    // grc's own check agrees.
    const ok = await grc([
      "evidence",
      "receipt",
      "verify",
      receipt,
      "--allowed-signers",
      allowed,
      "--identity",
      "auditor@example.com",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/is intact: 2 files .* signed by auditor@example\.com \(SHA256:/);
    const wrongKey = await grc([
      "evidence",
      "receipt",
      "verify",
      receipt,
      "--allowed-signers",
      otherAllowed,
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain(
      "signature: the signing key is not in the allowed signers file",
    );
    const wrongId = await grc([
      "evidence",
      "receipt",
      "verify",
      receipt,
      "--allowed-signers",
      allowed,
      "--identity",
      "mallory@example.com",
    ]);
    expect(wrongId.code).toBe(1);

    // The summary carries the CI context, never the token.
    const summary = JSON.parse(bytes.toString("utf8").trimEnd().split("\n").pop()!);
    expect(summary).toMatchObject({
      version: 2,
      ci: {
        provider: "github-actions",
        repository: "acme/compliance",
        commit: GITHUB.GITHUB_SHA,
        run_url: "https://github.com/acme/compliance/actions/runs/4242",
        job: "evidence",
      },
    });
    for (const text of [
      bytes.toString(),
      readFileSync(attestation, "utf8"),
      res.stdout,
      res.stderr,
    ]) {
      expect(text).not.toContain(GITHUB.GITHUB_TOKEN);
      expect(text).not.toContain("PRIVATE KEY");
    }

    // The attestation: DSSE over PAE, checked here with node:crypto and the .pub key.
    const env = JSON.parse(readFileSync(attestation, "utf8"));
    const payload = Buffer.from(env.payload, "base64");
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `),
      payload,
    ]);
    const sig = Buffer.from(env.signatures[0].sig, "base64");
    expect(verify(null, pae, ed25519Public(key.pub), sig)).toBe(true);
    expect(verify(null, pae, ed25519Public(other.pub), sig)).toBe(false);
    const statement = JSON.parse(payload.toString());
    expect(
      statement.subject.map((s: { digest: { sha256: string } }) => s.digest.sha256).sort(),
    ).toEqual([sha("alice,admin\n"), sha("admin\n")].sort());
    expect(statement.predicate).toMatchObject({
      base_url: mock.baseUrl,
      org_id: mock.identity.orgId,
      ci: { provider: "github-actions" },
      counts: { linked: 2, failed: 0 },
    });
    expect(statement.predicate.evidence[0]).toMatchObject({
      control_id: "CC6.1",
      framework_id: "SOC2",
      verified: true,
    });

    // A tampered receipt: grc says so too (exit 1), naming the signature.
    writeFileSync(receipt, changed);
    const bad = await grc(["evidence", "receipt", "verify", receipt, "--allowed-signers", allowed]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("signature: the signature does not match the receipt's bytes");
  });

  it("takes the key text from GRC_SIGN_KEY, and never prints it", async () => {
    const dir = tree(`envkey-${dialect}`, { "a.txt": "env key\n" });
    const receipt = join(root, `envkey-${dialect}.ndjson`);
    const res = await grc(
      ["evidence", "push", dir, "--control", "CC6.1", "--receipt", receipt, "-o", "json"],
      { GRC_SIGN_KEY: key.privateText },
    );
    expect(res.code, res.stderr).toBe(0);
    const v = sshVerify({
      allowedSigners: allowed,
      identity: "auditor@example.com",
      namespace: "grc-receipt",
      sigFile: `${receipt}.sig`,
      message: readFileSync(receipt),
    });
    expect(v.status).toBe(0);
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
  });

  it("stops before sending anything on an encrypted key, or --sign-key without --receipt", async () => {
    const locked = join(root, `locked-${dialect}`);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "passphrase here", "-f", locked]);
    const dir = tree(`locked-ev-${dialect}`, { "a.txt": "never sent\n" });
    const before = mock.state().requests.length;
    const enc = await grc([
      "evidence",
      "push",
      dir,
      "--control",
      "CC6.1",
      "--receipt",
      join(root, "x.ndjson"),
      "--sign-key",
      locked,
    ]);
    expect(enc.code).toBe(2);
    expect(enc.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(enc.stderr).toMatch(
      /^grc: signing key .*locked-\S+ is encrypted with a passphrase .* — grc cannot prompt for it: decrypt a copy for CI with `ssh-keygen -p -N '' -f COPY`/,
    );
    const noReceipt = await grc([
      "evidence",
      "push",
      dir,
      "--control",
      "CC6.1",
      "--sign-key",
      key.file,
    ]);
    expect(noReceipt.code).toBe(2);
    expect(noReceipt.stderr).toBe(
      "grc: --sign-key signs the receipt, but no --receipt was given — add --receipt FILE (the signature is written to FILE.sig)\n",
    );
    expect(mock.state().requests.length).toBe(before);
  });

  it("never pushes its own receipt, signature or attestation from inside the pushed folder", async () => {
    const dir = tree(`inside-${dialect}`, { "a.txt": "one\n", "b.txt": "two\n" });
    const args = [
      "evidence",
      "push",
      dir,
      "--control",
      "CC9.9",
      "--receipt",
      join(dir, "receipt.ndjson"),
      // The second run replaces the first run's receipt (refused unless asked for).
      "--overwrite-receipt",
      "--sign-key",
      key.file,
      "--attestation",
      join(dir, "att.json"),
      "--no-state",
      "-o",
      "json",
    ];
    for (let run = 0; run < 2; run += 1) {
      const res = await grc(args);
      expect(res.code, res.stderr).toBe(0);
      expect(
        (JSON.parse(res.stdout) as { path: string }[]).map((r) => r.path.split("/").pop()).sort(),
      ).toEqual(["a.txt", "b.txt"]);
    }
    const names = mock.state().objects.map((o) => o.object_key.split("/").pop());
    expect(names).not.toContain("receipt.ndjson");
    expect(names).not.toContain("receipt.ndjson.sig");
    expect(names).not.toContain("att.json");
  });

  it("refuses to write a receipt through a symlink", async () => {
    const target = join(root, `precious-${dialect}`);
    writeFileSync(target, "do not overwrite\n");
    const link = join(root, `link-${dialect}.ndjson`);
    symlinkSync(target, link);
    const dir = tree(`symlink-ev-${dialect}`, { "a.txt": "sym\n" });
    const res = await grc(["evidence", "push", dir, "--control", "CC6.1", "--receipt", link]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^grc: refusing to write receipt .*: it is a symlink — /);
    expect(readFileSync(target, "utf8")).toBe("do not overwrite\n");
  });

  it.skipIf(process.platform !== "linux")(
    "a receipt that cannot be written still prints every result, then one error line; state is saved",
    async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 3; i += 1) files[`f${i}.txt`] = `full disk ${i}\n`;
      const dir = tree(`efbig-${dialect}`, files);
      const state = join(root, `efbig-state-${dialect}.json`);
      const receipt = join(root, `efbig-${dialect}.ndjson`);
      // RLIMIT_FSIZE of 4 KiB stands in for a full disk: the state journal (about 3 KiB for
      // 3 files) fits, the receipt does not (its summary carries a CI context of 5 x 512
      // characters, the most grc records).
      const long = "x".repeat(600);
      const ci = {
        GITHUB_ACTIONS: "true",
        GITHUB_REPOSITORY: long,
        GITHUB_SHA: long,
        GITHUB_REF: long,
        GITHUB_RUN_ID: long,
        GITHUB_JOB: long,
      };
      const res = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (done) => {
          const child = spawn(
            "bash",
            [
              "-c",
              'ulimit -f 4; exec "$0" "$@"',
              process.execPath,
              GRC_BIN,
              "evidence",
              "push",
              dir,
              "--control",
              "CC6.1",
              "--receipt",
              receipt,
              "--state",
              state,
              "-o",
              "json",
            ],
            {
              env: {
                PATH: process.env.PATH,
                HOME: process.env.HOME,
                NO_COLOR: "1",
                GRC_CONFIG_DIR: tempConfigDir(),
                ...mock.env(),
                ...ci,
              },
            },
          );
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (c) => {
            stdout += c;
          });
          child.stderr.on("data", (c) => {
            stderr += c;
          });
          child.on("close", (code) => done({ code, stdout, stderr }));
        },
      );
      expect(res.code).toBe(2);
      const results = JSON.parse(res.stdout) as { status: string }[];
      expect(results).toHaveLength(3);
      expect(results.every((r) => r.status === "linked")).toBe(true);
      const errors = res.stderr.split("\n").filter((l) => l.startsWith("grc: "));
      expect(errors).toEqual([
        expect.stringMatching(
          /^grc: cannot write receipt .*: EFBIG — check free disk space and permissions/,
        ),
      ]);
      const saved = JSON.parse(readFileSync(state, "utf8")) as { entries: unknown[] };
      expect(saved.entries).toHaveLength(3);
    },
  );

  it("exports receipts as OSCAL Assessment Results that NIST's schema accepts", async () => {
    const dir = tree(`oscal-${dialect}`, { "iam/users.csv": "u\n", "logs/app.log": "l\n" });
    const receipt = join(root, `oscal-${dialect}.ndjson`);
    const push = await grc([
      "evidence",
      "push",
      dir,
      "--control",
      "CC7.2",
      "--framework",
      "SOC2",
      "--receipt",
      receipt,
      "--no-state",
    ]);
    expect(push.code, push.stderr).toBe(0);
    const out = await grc(["evidence", "export", "--format", "oscal-ar", receipt]);
    expect(out.code, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(validateOscal(doc), JSON.stringify(validateOscal.errors)).toBe(true);
    const result = doc["assessment-results"].results[0];
    expect(result.observations).toHaveLength(2);
    expect(result["reviewed-controls"]["control-selections"][0]["include-controls"]).toEqual([
      { "control-id": "CC7.2" },
    ]);
    const hashes = doc["assessment-results"]["back-matter"].resources.flatMap(
      (r: { rlinks?: { hashes: { value: string }[] }[] }) =>
        r.rlinks?.[0]?.hashes.map((h) => h.value) ?? [],
    );
    expect(hashes).toEqual(
      expect.arrayContaining([sha("u\n"), sha("l\n"), sha(readFileSync(receipt))]),
    );
    // Same receipt, same document; -o writes it to a file.
    const file = join(root, `ar-${dialect}.json`);
    const again = await grc(["evidence", "export", "--format", "oscal-ar", receipt, "-o", file]);
    expect(again.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(out.stdout);
    // An altered receipt is not exported.
    writeFileSync(receipt, readFileSync(receipt, "utf8").replace('"linked":2', '"linked":3'));
    const bad = await grc(["evidence", "export", "--format", "oscal-ar", receipt]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^grc: receipt .* does not verify/);
  });
});

describe.skipIf(!HAVE_SSH_KEYGEN).each(DIALECTS)(
  "signed StrataGRC case evidence (%s dialect)",
  (dialect) => {
    const mock = withMock({ dialect, platforms: ["strata"] });
    let config: string;
    beforeAll(async () => {
      config = tempConfigDir();
      const login = await runGrc(
        [
          "auth",
          "login",
          "--platform",
          "strata",
          "--base-url",
          mock.baseUrl,
          "--org",
          mock.identity.orgId,
          "--session-stdin",
        ],
        { env: { GRC_CONFIG_DIR: config }, stdin: `${mock.identity.session}\n` },
      );
      expect(login.code, login.stderr).toBe(0);
    });

    it("signs the case-evidence receipt for ssh-keygen -Y verify", async () => {
      const keys = mkdtempSync(join(root, "strata-keys-"));
      const key = makeKey(keys, "strata");
      const allowed = join(keys, "allowed");
      writeFileSync(allowed, `auditor@example.com ${key.pub}\n`);
      const dir = tree(`case-${dialect}`, { "chat.txt": "chat export\n" });
      const receipt = join(dir, "case6.ndjson");
      const res = await runGrc(
        [
          "strata",
          "cases",
          "evidence",
          "upload",
          "6",
          dir,
          "--receipt",
          receipt,
          "--sign-key",
          key.file,
          "--attestation",
          join(dir, "case6.intoto.json"),
          "--no-state",
        ],
        { env: { GRC_CONFIG_DIR: config } },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toContain("1 file to case 6: 1 uploaded · ");
      const v = sshVerify({
        allowedSigners: allowed,
        identity: "auditor@example.com",
        namespace: "grc-receipt",
        sigFile: `${receipt}.sig`,
        message: readFileSync(receipt),
      });
      expect(v.status, v.out).toBe(0);
      expect(existsSync(join(dir, "case6.intoto.json"))).toBe(true);
      const check = await runGrc(
        ["evidence", "receipt", "verify", receipt, "--allowed-signers", allowed],
        { env: { GRC_CONFIG_DIR: config } },
      );
      expect(check.code, check.stderr).toBe(0);
    });
  },
);

describe("receipt verify on hostile files", () => {
  it.each([
    [
      "a 700 MB one-line file",
      () => {
        const f = join(root, "huge.ndjson");
        execFileSync("truncate", ["-s", "700M", f]);
        return f;
      },
    ],
    ["/dev/zero", () => "/dev/zero"],
    [
      "a 5,000-deep JSON array",
      () => {
        const f = join(root, "deep.ndjson");
        writeFileSync(f, `${"[".repeat(5000)}${"]".repeat(5000)}\n`);
        return f;
      },
    ],
  ])("%s is one line, exit 2", async (_, make) => {
    const file = make();
    const res = await runGrc(["evidence", "receipt", "verify", file], { timeoutMs: 30_000 });
    expect(res.code).toBe(2);
    expect(res.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/^grc: .*not a grc receipt/);
    expect(res.stderr).not.toMatch(/RangeError|Maximum call stack|at /);
  });
});

describe.skipIf(!HAVE_SSH_KEYGEN)("signed receipts from evidence apply and --evidence", () => {
  const mock = withMock();
  let key: TestKey;
  let allowed: string;
  beforeAll(() => {
    const keys = mkdtempSync(join(root, "apply-keys-"));
    key = makeKey(keys, "apply");
    allowed = join(keys, "allowed_signers");
    writeFileSync(allowed, `auditor@example.com namespaces="grc-receipt" ${key.pub}\n`);
  });
  const verified = (receipt: string) =>
    sshVerify({
      allowedSigners: allowed,
      identity: "auditor@example.com",
      namespace: "grc-receipt",
      sigFile: `${receipt}.sig`,
      message: readFileSync(receipt),
    });

  it("apply --sign-key signs its receipt; the receipt is never part of the plan's files", async () => {
    const dir = tree("apply-signed", { "evidence/a.csv": "a\n", "evidence/b.csv": "b\n" });
    writeFileSync(join(dir, "grc.yaml"), "rules:\n  - paths: [evidence]\n    control: CC6.1\n");
    const receipt = join(dir, "evidence", "apply.ndjson");
    const res = await runGrc(
      ["evidence", "apply", "--receipt", receipt, "--sign-key", key.file, "--no-verify"],
      { cwd: dir, env: { ...mock.env(), GRC_CONFIG_DIR: tempConfigDir() } },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(
      /^receipt signed: .*apply\.ndjson\.sig \(ssh-ed25519 SHA256:\S+\)$/m,
    );
    expect(verified(receipt).status).toBe(0);
    const lines = readFileSync(receipt, "utf8").trim().split("\n");
    expect(
      lines
        .map((l) => (JSON.parse(l) as { path?: string }).path)
        .slice(0, -1)
        .sort(),
    ).toEqual(["evidence/a.csv", "evidence/b.csv"]);
  });

  it("alerts list --evidence --sign-key signs the snapshot's receipt", async () => {
    const receipt = join(root, "snapshot-signed.ndjson");
    const res = await runGrc(
      [
        "alerts",
        "list",
        "--limit",
        "3",
        "--evidence",
        "CC7.1",
        "--receipt",
        receipt,
        "--sign-key",
        key.file,
        "--snapshot-dir",
        join(root, "snapshots-signed"),
      ],
      { cwd: root, env: { ...mock.env(), GRC_CONFIG_DIR: tempConfigDir() } },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(verified(receipt).status).toBe(0);
    const check = await runGrc(
      ["evidence", "receipt", "verify", receipt, "--allowed-signers", allowed],
      { cwd: root, env: {} },
    );
    expect(check.code, check.stderr).toBe(0);
  });
});
