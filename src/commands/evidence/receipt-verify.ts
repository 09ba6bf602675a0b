import { defineCommand, outputFormat } from "../../cli/command.js";
import { ExitCode, UsageError } from "../../errors.js";

/** Flags of `grc evidence receipt verify`. */
export interface ReceiptVerifyFlags {
  files?: boolean;
  allowedSigners?: string;
  identity?: string;
  signature?: string;
  output?: string;
  json?: boolean;
}

/** `grc evidence receipt verify FILE`: checks a push receipt's chain, signature and files. */
export const receiptVerifyCommand = defineCommand<ReceiptVerifyFlags>({
  path: ["evidence", "receipt", "verify"],
  args: "<file>",
  summary: "Check a push receipt (chain, signature and, with --files, the files)",
  output: true,
  connection: false,
  options: [
    { flags: "--files", description: "re-hash each file and compare size and SHA-256" },
    {
      flags: "--allowed-signers <file>",
      description: "check <file>.sig against this OpenSSH allowed_signers file",
    },
    {
      flags: "--identity <principal>",
      description: "the signer must be allowed as this principal (ssh-keygen -Y verify -I)",
    },
    { flags: "--signature <file>", description: "signature file (default: <file>.sig)" },
  ],
  help: [
    "Checks that every line parses, the summary line is last, its SHA-256 covers the bytes",
    "before it, and its counts, bytes, server and organization agree with the evidence lines.",
    "With --allowed-signers the SSH signature (<file>.sig) must be good for namespace",
    "grc-receipt, by a key listed for --identity (or any principal), as `ssh-keygen -Y verify`",
    "checks it. With --files each file (its path relative to the current folder, else the",
    "absolute path recorded) is read again and compared.",
    "Exit 0 intact, 1 problems found, 2 not a receipt or bad input.",
  ].join("\n"),
  async run(ctx, [file], flags) {
    const { verifyReceipt } = await import("../../core/evidence/receipt.js");
    const { formatBytes } = await import("../../core/evidence/push.js");
    const { stripControl } = await import("../../output/sanitize.js");
    if ((flags.identity !== undefined || flags.signature !== undefined) && !flags.allowedSigners) {
      throw new UsageError(
        "--identity and --signature need --allowed-signers",
        "pass --allowed-signers FILE (lines of `principal ssh-ed25519 AAAA...`)",
      );
    }
    const check = await verifyReceipt(file!, { files: Boolean(flags.files), cwd: ctx.cwd });
    let signature: import("../../core/audit/sign.js").SignatureCheck | undefined;
    if (flags.allowedSigners) {
      const { verifyReceiptSignature } = await import("../../core/audit/sign.js");
      signature = await verifyReceiptSignature({
        receiptPath: file!,
        signaturePath: flags.signature ?? `${file}.sig`,
        allowedSignersPath: flags.allowedSigners,
        identity: flags.identity,
      });
      if (!signature.ok) {
        check.problems.push({ line: 0, message: `signature: ${signature.reason}` });
        check.ok = false;
      }
    } else {
      const { stat } = await import("node:fs/promises");
      if (await stat(`${file}.sig`).catch(() => undefined)) {
        check.notes.push(
          `${file}.sig is not checked: pass --allowed-signers FILE to check the signature`,
        );
      }
    }
    const format = outputFormat(flags);
    if (format === "json" || format === "ndjson") {
      const doc = {
        file,
        ok: check.ok,
        version: check.version ?? null,
        entries: check.entries,
        bytes: check.bytes,
        files_checked: check.filesChecked,
        base_url: check.summary?.base_url ?? null,
        org_id: check.summary?.org_id ?? null,
        finished_at: check.summary?.finished_at ?? null,
        signature: signature
          ? {
              ok: signature.ok,
              principal: signature.principal ?? null,
              fingerprint: signature.fingerprint ?? null,
            }
          : null,
        problems: check.problems,
        notes: check.notes,
      };
      ctx.io.stdout.write(
        format === "json" ? `${JSON.stringify(doc, null, 2)}\n` : `${JSON.stringify(doc)}\n`,
      );
    } else {
      for (const p of check.problems) {
        const where = p.path ? stripControl(p.path) : p.line > 0 ? `line ${p.line}` : "";
        ctx.io.stderr.write(
          `grc: ${file}: ${where ? `${where}: ` : ""}${stripControl(p.message)}\n`,
        );
      }
      for (const note of check.notes) ctx.io.stderr.write(`note: ${note}\n`);
      const s = check.summary;
      const what = `${check.entries} ${check.entries === 1 ? "file" : "files"} (${formatBytes(check.bytes)})`;
      const where = s
        ? ` linked on ${stripControl(String(s.base_url))} org ${stripControl(String(s.org_id))} at ${stripControl(String(s.finished_at))}`
        : "";
      const hashed = flags.files ? `; ${check.filesChecked} files re-hashed` : "";
      // Version 3: the files this run found unchanged, linked by an earlier run.
      const skipped = check.skippedEntries
        ? `; ${check.skippedEntries} unchanged ${check.skippedEntries === 1 ? "file" : "files"} already linked`
        : "";
      const signed = signature?.ok
        ? `; signed by ${stripControl(signature.principal ?? "")} (${signature.fingerprint})`
        : "";
      if (check.ok) {
        ctx.io.stdout.write(
          `receipt ${file} is intact: ${what}${where}${skipped}${hashed}${signed}\n`,
        );
      } else {
        ctx.io.stderr.write(
          `grc: receipt ${file} failed verification: ${check.problems.length} ${check.problems.length === 1 ? "problem" : "problems"} in ${what}${hashed}\n`,
        );
      }
    }
    return check.ok ? ExitCode.ok : ExitCode.someFailed;
  },
});
