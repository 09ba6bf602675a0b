import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** True when OpenSSH's ssh-keygen is on PATH (tests that need it skip with a message otherwise). */
export const HAVE_SSH_KEYGEN =
  spawnSync("ssh-keygen", ["-?"], { stdio: "ignore" }).error === undefined;
if (!HAVE_SSH_KEYGEN) console.warn("ssh-keygen not found: skipping the OpenSSH cross-checks");

/** A key pair made by ssh-keygen itself, unencrypted. */
export interface TestKey {
  file: string;
  pub: string;
  privateText: string;
}

/** `ssh-keygen -t TYPE -N '' -f DIR/NAME`. */
export function makeKey(
  dir: string,
  name: string,
  type: "ed25519" | "ecdsa" | "rsa" = "ed25519",
): TestKey {
  const file = join(dir, name);
  const extra = type === "ecdsa" ? ["-b", "256"] : type === "rsa" ? ["-b", "2048"] : [];
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...extra,
    "-N",
    "",
    "-C",
    `${name}@test`,
    "-f",
    file,
  ]);
  return {
    file,
    pub: readFileSync(`${file}.pub`, "utf8").trim(),
    privateText: readFileSync(file, "utf8"),
  };
}

/** Runs `ssh-keygen -Y verify` and returns its exit status and output. */
export function sshVerify(opts: {
  allowedSigners: string;
  identity: string;
  namespace: string;
  sigFile: string;
  message: Buffer;
}): { status: number | null; out: string } {
  const r = spawnSync(
    "ssh-keygen",
    [
      "-Y",
      "verify",
      "-f",
      opts.allowedSigners,
      "-I",
      opts.identity,
      "-n",
      opts.namespace,
      "-s",
      opts.sigFile,
    ],
    { input: opts.message },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
