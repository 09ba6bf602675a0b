import type { CommandContext, OutputFormat } from "../../cli/command.js";
import type { IOStreams } from "../../cli/io.js";
import type { DiscoveredFile } from "../../core/evidence/discovery.js";
import type { PushSummary } from "../../core/evidence/push.js";
import type { StateEntry, StateScope } from "../../core/evidence/state-store.js";
import { ExitCode, UsageError } from "../../errors.js";

/**
 * The execute-and-record half of `grc evidence push`, shared by `evidence apply` and the
 * query commands' `--evidence`: open the state and the receipt, run the push core over a
 * decided list of files, close the state and the receipt, report. One upload path.
 */

/** What to push and where the proof goes. */
export interface ExecutePushOptions {
  files: readonly DiscoveredFile[];
  scope: StateScope;
  /** The state file, or undefined for none. */
  stateFile: string | undefined;
  /** `--receipt FILE`. */
  receipt?: string | undefined;
  /** `--sign-key` / `--attestation` (with `receipt`): signed once the receipt is closed. */
  signing?: import("./receipt-signing.js").ReceiptSigning | undefined;
  concurrency: number;
  verify: boolean;
  force?: boolean;
  /** Content hashes a plan decided (see PushOptions.expectedSha256). */
  expectedSha256?: (file: DiscoveredFile) => string | undefined;
  /** State entries to record before the run (apply: unchanged content found under a new path). */
  adopt?: readonly StateEntry[];
  /** Where and how the results are rendered. */
  io: IOStreams;
  format: OutputFormat;
  quiet: boolean;
}

/** The scope (server, organization) of a profile's push, refusing a profile without an org. */
export async function pushScope(ctx: CommandContext): Promise<StateScope & { profile: string }> {
  const profile = await ctx.profile();
  if (!profile.orgId) {
    throw new UsageError(
      "no organization ID configured",
      "pass --org, set GRC_ORG_ID, or run `grc auth login`",
    );
  }
  return { base_url: profile.baseUrl ?? "", org_id: profile.orgId, profile: profile.name };
}

/** Runs the push core over `files`; resolves with the summary and the exit code of push. */
export async function executePush(
  ctx: CommandContext,
  options: ExecutePushOptions,
): Promise<{ summary: PushSummary; code: number }> {
  const [{ pushEvidence }, { PushState }, { ReceiptWriter }, { PushOutput }] = await Promise.all([
    import("../../core/evidence/push.js"),
    import("../../core/evidence/state-store.js"),
    import("../../core/evidence/receipt.js"),
    import("./push-output.js"),
  ]);
  const { scope } = options;
  const state = options.stateFile ? await PushState.load(options.stateFile) : undefined;
  for (const entry of options.adopt ?? []) state?.record(entry);
  const connect = async () => {
    const { evidence } = await ctx.platform("sovereign");
    return { evidence, storage: await ctx.storage() };
  };
  const receipt = options.receipt ? await ReceiptWriter.open(options.receipt) : undefined;
  const output = new PushOutput({
    io: options.io,
    format: options.format,
    quiet: options.quiet,
    dryRun: false,
  });
  await output.start();
  const startedAt = new Date().toISOString();
  let summary: PushSummary;
  let stateError: unknown;
  try {
    summary = await pushEvidence(
      {
        files: options.files,
        scope,
        concurrency: options.concurrency,
        verify: options.verify,
        force: Boolean(options.force),
        signal: ctx.signal,
        expectedSha256: options.expectedSha256,
        onEvent: output.onEvent,
      },
      { connect, state, receipt },
    );
  } finally {
    output.stopSpinner();
    await state?.close().catch((err: unknown) => {
      stateError = err;
    });
  }
  // A receipt that cannot be finished (disk full) must not swallow the results: they are
  // printed first, then the one error line.
  let receiptError: unknown;
  await receipt
    ?.close({
      base_url: scope.base_url,
      org_id: scope.org_id,
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      linked: summary.linked,
      skipped: summary.skipped,
      failed: summary.failed,
      interrupted: summary.interrupted,
      ci: options.signing?.ci ?? null,
    })
    .catch((err: unknown) => {
      receiptError = err;
    });
  await output.finish(summary, { stateFile: options.stateFile });
  // A complete receipt is signed even when the run stopped early: it is a true record.
  let signError: unknown;
  if (receipt && !receiptError && options.signing) {
    await options.signing.finish({ quiet: options.quiet }).catch((err: unknown) => {
      signError = err;
    });
  }
  if (summary.fatal) throw summary.fatal;
  if (stateError) throw stateError;
  if (receiptError) throw receiptError;
  if (signError) throw signError;
  const code = summary.interrupted
    ? ExitCode.interrupted
    : summary.failed > 0
      ? ExitCode.someFailed
      : ExitCode.ok;
  return { summary, code };
}
