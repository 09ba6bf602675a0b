import { execFileSync } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signKeySource, writeAttestation } from "../../../../src/core/audit/sign.js";
import { ReceiptWriter } from "../../../../src/core/evidence/receipt.js";
import { HAVE_SSH_KEYGEN, makeKey } from "./ssh-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "grc-attest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);

async function receipt(file: string) {
  const w = await ReceiptWriter.open(file);
  const base = {
    type: "evidence" as const,
    size: 3,
    content_type: "text/csv",
    framework_id: "SOC2",
    assessment_id: "Q3",
    created: true,
    verified: true,
    base_url: "http://api.test",
    org_id: "org-1",
    times: {
      upload_url_at: "2026-01-01T00:00:00.000Z",
      uploaded_at: "2026-01-01T00:00:01.000Z",
      verified_at: "2026-01-01T00:00:02.000Z",
      linked_at: "2026-01-01T00:00:03.000Z",
    },
  };
  // a.csv linked to two controls: one subject, two predicate entries.
  w.append({
    ...base,
    path: "a.csv",
    abs_path: "/x/a.csv",
    sha256: HASH_A,
    evidence_id: HASH_A,
    object_key: "k/a.csv",
    lineage_id: "l1",
    control_id: "CC6.1",
  });
  w.append({
    ...base,
    path: "a.csv",
    abs_path: "/x/a.csv",
    sha256: HASH_A,
    evidence_id: HASH_A,
    object_key: "k/a.csv",
    lineage_id: "l2",
    control_id: "CC7.2",
  });
  w.append({
    ...base,
    path: "b.csv",
    abs_path: "/x/b.csv",
    sha256: HASH_B,
    evidence_id: HASH_B,
    object_key: "k/b.csv",
    lineage_id: "l3",
    control_id: "CC6.1",
  });
  await w.close({
    base_url: "http://api.test",
    org_id: "org-1",
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:04.000Z",
    linked: 3,
    skipped: 0,
    failed: 0,
    interrupted: false,
    ci: {
      provider: "gitlab-ci",
      repository: "g/r",
      commit: "c0ffee",
      ref: "main",
      run_url: "https://gitlab.example/g/r/-/jobs/1",
      job: "evidence",
    },
  });
}

/** PAE written here from the DSSE spec, not imported from grc. */
function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `),
    body,
  ]);
}

/**
 * The public key, independent of grc's parser: as OpenSSH exports it (PKCS#8 SPKI PEM), or,
 * for Ed25519 (which ssh-keygen -e cannot export), the .pub blob's last 32 bytes in the
 * RFC 8410 SPKI DER prefix.
 */
function sshPublicPem(pubFile: string) {
  const line = readFileSync(pubFile, "utf8");
  if (line.startsWith("ssh-ed25519 ")) {
    const raw = Buffer.from(line.split(" ")[1]!, "base64").subarray(-32);
    const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]);
    return createPublicKey({ key: der, format: "der", type: "spki" });
  }
  return createPublicKey(
    execFileSync("ssh-keygen", ["-e", "-m", "PKCS8", "-f", pubFile], { encoding: "utf8" }),
  );
}

describe.skipIf(!HAVE_SSH_KEYGEN).each(["ed25519", "ecdsa", "rsa"] as const)(
  "DSSE attestation with %s",
  (type) => {
    it("is an in-toto Statement v1 whose DSSE signature node:crypto verifies over a PAE built here", async () => {
      const key = makeKey(dir, `k-${type}`, type);
      const file = join(dir, `r-${type}.ndjson`);
      await receipt(file);
      const out = join(dir, `att-${type}.json`);
      const res = await writeAttestation({
        receiptPath: file,
        attestationPath: out,
        key: { path: key.file },
        toolVersion: "9.9.9",
      });
      expect(res.subjects).toBe(2);
      const env = JSON.parse(readFileSync(out, "utf8"));
      expect(env.payloadType).toBe("application/vnd.in-toto+json");
      const fp = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${key.file}.pub`], {
        encoding: "utf8",
      }).split(" ")[1];
      expect(env.signatures).toHaveLength(1);
      expect(env.signatures[0].keyid).toBe(fp);
      const payload = Buffer.from(env.payload, "base64");
      const statement = JSON.parse(payload.toString("utf8"));
      expect(statement._type).toBe("https://in-toto.io/Statement/v1");
      expect(statement.subject).toEqual([
        { name: "a.csv", digest: { sha256: HASH_A } },
        { name: "b.csv", digest: { sha256: HASH_B } },
      ]);
      expect(statement.predicateType).toBe("urn:grc:attestation:evidence-push:v1");
      expect(statement.predicate).toMatchObject({
        tool: { name: "grc", version: "9.9.9" },
        base_url: "http://api.test",
        org_id: "org-1",
        started_at: "2026-01-01T00:00:00.000Z",
        finished_at: "2026-01-01T00:00:04.000Z",
        counts: { linked: 3, skipped: 0, failed: 0, interrupted: false },
        ci: { provider: "gitlab-ci", commit: "c0ffee" },
        receipt: { name: `r-${type}.ndjson`, version: 2 },
      });
      expect(statement.predicate.evidence.map((e: { control_id: string }) => e.control_id)).toEqual(
        ["CC6.1", "CC7.2", "CC6.1"],
      );
      expect(statement.predicate.evidence[0]).toMatchObject({
        framework_id: "SOC2",
        assessment_id: "Q3",
        object_key: "k/a.csv",
        lineage_id: "l1",
        verified: true,
        verified_at: "2026-01-01T00:00:02.000Z",
      });

      const pub = sshPublicPem(`${key.file}.pub`);
      const alg = type === "ed25519" ? null : "sha256";
      const sig = Buffer.from(env.signatures[0].sig, "base64");
      expect(verify(alg, pae(env.payloadType, payload), pub, sig)).toBe(true);
      const changed = Buffer.from(payload);
      changed[10] = changed[10]! ^ 1;
      expect(verify(alg, pae(env.payloadType, changed), pub, sig)).toBe(false);
      expect(verify(alg, pae("application/json", payload), pub, sig)).toBe(false);
      const other = makeKey(dir, `o-${type}`, type);
      expect(
        verify(alg, pae(env.payloadType, payload), sshPublicPem(`${other.file}.pub`), sig),
      ).toBe(false);
    });
  },
);

describe("signing key source", () => {
  it("takes --sign-key first, then GRC_SIGN_KEY as key text or as a path", () => {
    expect(signKeySource("f", { GRC_SIGN_KEY: "g" })).toEqual({ path: "f" });
    expect(signKeySource(undefined, { GRC_SIGN_KEY: "/keys/ci" })).toEqual({ path: "/keys/ci" });
    expect(
      signKeySource(undefined, { GRC_SIGN_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\nx" }),
    ).toEqual({
      text: "-----BEGIN OPENSSH PRIVATE KEY-----\nx",
      label: "GRC_SIGN_KEY",
    });
    expect(signKeySource(undefined, {})).toBeUndefined();
  });
});
