import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findSigner, parseAllowedSigners } from "../../../../src/core/audit/allowed-signers.js";
import { parsePrivateKey, publicKeyLine, SshKeyError } from "../../../../src/core/audit/ssh-key.js";
import { parseSshsig, sshsigSign, sshsigVerify } from "../../../../src/core/audit/sshsig.js";
import { HAVE_SSH_KEYGEN, makeKey, sshVerify } from "./ssh-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "grc-sshsig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const message = Buffer.from('{"type":"evidence"}\n{"type":"summary"}\n');
const sha512 = (b: Buffer) => createHash("sha512").update(b).digest();

describe.skipIf(!HAVE_SSH_KEYGEN).each(["ed25519", "ecdsa", "rsa"] as const)(
  "sshsig with %s keys",
  (type) => {
    const key = makeKey(dir, `signer-${type}`, type);
    const other = makeKey(dir, `other-${type}`, type);
    const allowed = join(dir, `allowed-${type}`);
    writeFileSync(allowed, `auditor@example.com namespaces="grc-receipt" ${key.pub}\n`);
    const sigFile = join(dir, `msg-${type}.sig`);

    it("writes a signature ssh-keygen -Y verify accepts", () => {
      const parsed = parsePrivateKey(key.privateText);
      expect(publicKeyLine(parsed)).toBe(key.pub.split(" ").slice(0, 2).join(" "));
      writeFileSync(sigFile, sshsigSign(parsed, "grc-receipt", sha512(message)));
      const ok = sshVerify({
        allowedSigners: allowed,
        identity: "auditor@example.com",
        namespace: "grc-receipt",
        sigFile,
        message,
      });
      expect(ok.out).toContain('Good "grc-receipt" signature for auditor@example.com');
      expect(ok.status).toBe(0);
    });

    it("fails ssh-keygen on a changed byte, a wrong namespace and a wrong key", () => {
      writeFileSync(
        sigFile,
        sshsigSign(parsePrivateKey(key.privateText), "grc-receipt", sha512(message)),
      );
      const changed = Buffer.from(message);
      changed[3] = changed[3]! ^ 1;
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
          namespace: "file",
          sigFile,
          message,
        }).status,
      ).not.toBe(0);
      const wrong = join(dir, `wrong-${type}.sig`);
      writeFileSync(
        wrong,
        sshsigSign(parsePrivateKey(other.privateText), "grc-receipt", sha512(message)),
      );
      expect(
        sshVerify({
          allowedSigners: allowed,
          identity: "auditor@example.com",
          namespace: "grc-receipt",
          sigFile: wrong,
          message,
        }).status,
      ).not.toBe(0);
    });

    it("verifies what ssh-keygen -Y sign wrote, and rejects a changed byte", () => {
      const msgFile = join(dir, `m-${type}.txt`);
      writeFileSync(msgFile, message);
      execFileSync("ssh-keygen", [
        "-q",
        "-Y",
        "sign",
        "-f",
        key.file,
        "-n",
        "grc-receipt",
        msgFile,
      ]);
      const sig = parseSshsig(readFileSync(`${msgFile}.sig`, "utf8"));
      expect(sig.namespace).toBe("grc-receipt");
      expect(sshsigVerify(sig, createHash(sig.hash).update(message).digest())).toBe(true);
      const changed = Buffer.from(message);
      changed[0] = changed[0]! ^ 1;
      expect(sshsigVerify(sig, createHash(sig.hash).update(changed).digest())).toBe(false);
      const { signers } = parseAllowedSigners(readFileSync(allowed, "utf8"));
      expect(
        findSigner(signers, sig.publicBlob, "grc-receipt", "auditor@example.com", new Date()),
      ).toHaveProperty("principal", "auditor@example.com");
      expect(
        findSigner(signers, sig.publicBlob, "git", "auditor@example.com", new Date()),
      ).toHaveProperty("reason");
      expect(
        findSigner(signers, sig.publicBlob, "grc-receipt", "mallory@example.com", new Date()),
      ).toHaveProperty("reason");
    });
  },
);

describe.skipIf(!HAVE_SSH_KEYGEN)("private keys", () => {
  it("names the fix for a passphrase-protected key", () => {
    const file = join(dir, "locked");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "correct horse", "-f", file]);
    expect(() => parsePrivateKey(readFileSync(file, "utf8"))).toThrow(SshKeyError);
    try {
      parsePrivateKey(readFileSync(file, "utf8"));
    } catch (err) {
      expect((err as SshKeyError).fix).toContain("ssh-keygen -p");
    }
  });

  it("rejects a public key and garbage", () => {
    const key = makeKey(dir, "pubonly");
    expect(() => parsePrivateKey(key.pub)).toThrow(/not a private key/);
    expect(() =>
      parsePrivateKey(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
      ),
    ).toThrow(/not a valid OpenSSH/);
  });
});

describe("allowed_signers", () => {
  it("reads principals, quoted options and comments", () => {
    const { signers, errors } = parseAllowedSigners(
      [
        "# auditors",
        'a@x.org,*@corp.example,!eve@corp.example namespaces="git,grc-receipt",valid-after="20200101" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOlZ comment here',
        "b@x.org ssh-rsa AAAAB3Nza",
        "broken",
      ].join("\n"),
    );
    expect(errors).toEqual([{ line: 4, message: "expected principals, key type and key" }]);
    expect(signers[0]).toMatchObject({
      line: 2,
      principals: ["a@x.org", "*@corp.example", "!eve@corp.example"],
      namespaces: ["git", "grc-receipt"],
      keyType: "ssh-ed25519",
    });
    expect(signers[0]!.validAfter?.getFullYear()).toBe(2020);
    const blob = signers[0]!.publicBlob;
    expect(findSigner(signers, blob, "grc-receipt", "bob@corp.example", new Date())).toHaveProperty(
      "principal",
    );
    expect(findSigner(signers, blob, "grc-receipt", "eve@corp.example", new Date())).toHaveProperty(
      "reason",
    );
  });
});
