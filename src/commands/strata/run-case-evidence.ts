import type { CommandContext } from "../../cli/command.js";
import { outputFormat } from "../../cli/command.js";
import { stateFilePath } from "../../core/config/paths.js";
import { discoverFiles } from "../../core/evidence/discovery.js";
import {
  type CaseEvidenceResult,
  caseEvidenceDestination,
  caseEvidenceRow,
  caseTarget,
} from "../../core/strata/case-evidence.js";
import type { Column } from "../../output/records.js";
import type { RunView } from "../evidence/push-output.js";
import type { CaseEvidenceFlags } from "./case-evidence-upload.js";
import { openStrata } from "./render.js";

/**
 * How a case upload shows its files: push's renderer (spinner, totals, failures, rows with
 * `--verbose` or `-o`) with case-evidence records, their columns and "uploaded to case N".
 */
export async function caseView(caseId: number): Promise<RunView<CaseEvidenceResult>> {
  const { STATUS, PATH, CONTENT_TYPE, SHORT_HASH, sizeColumn, hashColumn } = await import(
    "../evidence/push-output.js"
  );
  const evidence: Column<unknown> = {
    key: "evidence_id",
    header: "evidence id",
    truncate: "never",
  };
  // CSV keeps the columns case upload has always had (the whole hash, the error).
  const csv: Column<unknown>[] = [
    { key: "status" },
    { key: "path" },
    { key: "size" },
    { key: "sha256" },
    { key: "evidence_id", header: "evidence" },
    { key: "error" },
  ];
  return {
    record: (r) => caseEvidenceRow(caseId, r),
    csv,
    layouts(dryRun, tty) {
      const size = sizeColumn(tty);
      const last = dryRun ? CONTENT_TYPE : evidence;
      if (!tty) return [[STATUS, PATH, size, hashColumn(), last]];
      const short = hashColumn(SHORT_HASH);
      return [
        [STATUS, PATH, size, hashColumn(), last],
        [STATUS, PATH, size, short, last],
        [STATUS, PATH, size, short],
        [STATUS, PATH, size],
        [STATUS, PATH],
      ];
    },
    words: {
      verb: "Uploading",
      done: "uploaded",
      // StrataGRC de-duplicates on (case, SHA-256): a file it had is not stored twice.
      already: "already on the case",
      sent: "uploaded",
      noun: "upload",
      target: ` to case ${caseId}`,
    },
  };
}

/**
 * `grc strata cases evidence upload`: the evidence-upload pipeline of `grc evidence push`
 * (discovery, decision per file, concurrency, state, receipt, events) towards StrataGRC's
 * multipart endpoint, rendered by push's renderer. Only the records differ: one per file as
 * a case-evidence record.
 */
export async function runCaseEvidenceUpload(
  ctx: CommandContext,
  caseId: number,
  paths: string[],
  flags: CaseEvidenceFlags,
): Promise<number> {
  const cwd = ctx.cwd;
  const [{ prepareReceiptSigning }, { executePush }, { PushOutput }, view] = await Promise.all([
    import("../evidence/receipt-signing.js"),
    import("../evidence/run-push.js"),
    import("../evidence/push-output.js"),
    caseView(caseId),
  ]);
  // Input first: nothing touches the network until the file list and the key are good.
  const signing = await prepareReceiptSigning(ctx, flags);
  const discovered = await discoverFiles([{ paths, target: caseTarget(caseId), baseDir: cwd }], {
    cwd,
    include: flags.include,
    exclude: flags.exclude,
    hidden: flags.hidden,
    onSkip: (path, why) => ctx.warn(`skipped ${path}: ${why}`),
    signal: ctx.signal,
  });
  // This run's receipt, signature and attestation are never evidence.
  const files = discovered.filter((f) => !signing.isOwnOutput(f.absPath, f.realPath));
  const dryRun = Boolean(flags.dryRun);
  const strata = dryRun ? undefined : await openStrata(ctx);
  // One cheap call first: a wrong case id or an expired session is one line, not N failures.
  await strata?.get("cases", caseId);
  const profile = await ctx.profile();
  const scope = { base_url: profile.baseUrl ?? "", org_id: profile.orgId ?? "" };
  const stateFile =
    flags.state === false ? undefined : (flags.state ?? stateFilePath(ctx.env, profile.name));
  const format = outputFormat(flags);
  // Like push: totals and failures; one row per file with --verbose or an explicit -o.
  const rows = Boolean(flags.verbose) || flags.output !== undefined;
  const { code } = await executePush(ctx, {
    files,
    scope,
    stateFile,
    receipt: flags.receipt,
    signing,
    concurrency: flags.concurrency,
    verify: true,
    force: Boolean(flags.force),
    dryRun,
    contentType: flags.contentType,
    destination: async () =>
      caseEvidenceDestination({
        strata: strata ?? (await openStrata(ctx)),
        caseId,
        description: flags.description,
      }),
    io: ctx.io,
    format,
    quiet: Boolean(flags.quiet),
    rows,
    output: new PushOutput({ io: ctx.io, format, quiet: Boolean(flags.quiet), dryRun, rows }, view),
  });
  return code;
}
