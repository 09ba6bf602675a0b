import { realpathSync } from "node:fs";
import { lstat } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandContext, OptionSpec } from "../../cli/command.js";
import type { SshSigningKey } from "../../core/audit/ssh-key.js";
import { UsageError } from "../../errors.js";

/**
 * The flags every receipt-writing command shares (`--sign-key`, `--attestation`) and what
 * they do around a run: check them and load the key before anything is sent, keep the
 * receipt, its signature and the attestation out of the files pushed, and sign at the end.
 */

/** Options added beside `--receipt`. */
export const RECEIPT_SIGNING_OPTIONS: readonly OptionSpec[] = [
  {
    flags: "--overwrite-receipt",
    description: "replace an existing --receipt file (default: refuse, exit 2)",
  },
  {
    flags: "--sign-key <file>",
    description:
      "OpenSSH private key (unencrypted) that signs the receipt as <receipt>.sig (env GRC_SIGN_KEY)",
  },
  {
    flags: "--attestation <file>",
    description: "also write a signed in-toto attestation (DSSE) of the receipt's files",
  },
];

/** Flags read here. */
export interface ReceiptSigningFlags {
  receipt?: string;
  overwriteReceipt?: boolean;
  signKey?: string;
  attestation?: string;
}

/** Signing prepared for one run. */
export interface ReceiptSigning {
  /** True for a file the run writes itself (receipt, .sig, attestation): never evidence. */
  isOwnOutput(absPath: string, realPath?: string): boolean;
  /** The CI context to record in the receipt summary. */
  ci: import("../../core/audit/ci-context.js").CiContext | null;
  /** Signs the closed receipt and writes the attestation; prints one line each. */
  finish(opts: { quiet?: boolean }): Promise<void>;
}

/** Checks the flags and loads the key (exit 2 before any request on a bad key). */
export async function prepareReceiptSigning(
  ctx: CommandContext,
  flags: ReceiptSigningFlags,
): Promise<ReceiptSigning> {
  if (flags.signKey !== undefined && !flags.receipt) {
    throw new UsageError(
      "--sign-key signs the receipt, but no --receipt was given",
      "add --receipt FILE (the signature is written to FILE.sig)",
    );
  }
  if (flags.attestation !== undefined && !flags.receipt) {
    throw new UsageError(
      "--attestation is built from the receipt, but no --receipt was given",
      "add --receipt FILE",
    );
  }
  // Relative paths are the user's, read against the command's working directory; the
  // caller goes on with the resolved paths (the flags object is this run's own).
  const typed = flags.receipt;
  if (flags.receipt) flags.receipt = resolve(ctx.cwd, flags.receipt);
  if (flags.signKey) flags.signKey = resolve(ctx.cwd, flags.signKey);
  if (flags.attestation) flags.attestation = resolve(ctx.cwd, flags.attestation);
  // A receipt is an audit record: an earlier one is never replaced without being asked.
  // An empty file (from mktemp, say) holds nothing to lose.
  if (flags.receipt && !flags.overwriteReceipt) {
    const existing = await lstat(flags.receipt).catch(() => undefined);
    if (existing?.isFile() && existing.size > 0) {
      throw new UsageError(
        `receipt ${typed} already exists`,
        "pass --overwrite-receipt to replace it, or choose another --receipt path",
      );
    }
  }
  // Without a receipt there is nothing to sign or exclude: nothing more is loaded.
  if (!flags.receipt) {
    return { ci: null, isOwnOutput: () => false, finish: async () => undefined };
  }
  const [{ signKeySource, loadSigningKey }, { detectCiContext }] = await Promise.all([
    import("../../core/audit/sign.js"),
    import("../../core/audit/ci-context.js"),
  ]);
  // GRC_SIGN_KEY alone signs only when there is a receipt to sign.
  const source = signKeySource(flags.signKey, ctx.env);
  if (flags.attestation !== undefined && !source) {
    throw new UsageError(
      "--attestation must be signed, but there is no signing key",
      "pass --sign-key FILE or set GRC_SIGN_KEY",
    );
  }
  const key: SshSigningKey | undefined = source ? await loadSigningKey(source) : undefined;
  const own = new Set<string>();
  const addOwn = (p: string | undefined) => {
    if (!p) return;
    const abs = resolve(p);
    own.add(abs);
    try {
      own.add(realpathSync(abs));
    } catch {
      // not there yet
    }
  };
  addOwn(flags.receipt);
  if (flags.receipt) addOwn(`${flags.receipt}.sig`);
  addOwn(flags.attestation);
  return {
    ci: detectCiContext(ctx.env),
    isOwnOutput: (absPath, realPath) =>
      own.has(absPath) || (realPath !== undefined && own.has(realPath)),
    async finish({ quiet }) {
      if (!key || !flags.receipt) return;
      const { signReceiptFile, writeAttestation } = await import("../../core/audit/sign.js");
      const signed = await signReceiptFile(flags.receipt, key);
      if (!quiet) {
        ctx.warn(`receipt signed: ${signed.signaturePath} (${key.keyType} ${signed.fingerprint})`);
      }
      if (flags.attestation) {
        const toolVersion = (await import("../../cli/version.js")).packageVersion();
        const att = await writeAttestation({
          receiptPath: flags.receipt,
          attestationPath: flags.attestation,
          key,
          toolVersion,
        });
        if (!quiet) {
          ctx.warn(
            `attestation written: ${att.attestationPath} (${att.subjects} ${att.subjects === 1 ? "subject" : "subjects"})`,
          );
        }
      }
    },
  };
}
