import type { CommandContext, OutputFormat } from "../../cli/command.js";
import type { IOStreams } from "../../cli/io.js";
import { setupError } from "../../core/config/setup.js";
import type { UploadDestination } from "../../core/evidence/destination.js";
import type { DiscoveredFile } from "../../core/evidence/discovery.js";
import type { PushSummary } from "../../core/evidence/push.js";
import type { StateEntry, StateScope } from "../../core/evidence/state-store.js";
import { ExitCode, UsageError } from "../../errors.js";

/**
 * The execute-and-record half of every evidence upload: `grc evidence push`, `evidence
 * apply`, the query commands' `--evidence` and `grc strata cases evidence upload`. It opens
 * the state and the receipt, runs the pipeline (src/core/evidence/push.ts) over the
 * discovered files towards a destination, closes the state and the receipt on every path,
 * and renders one way (push-output.ts). One upload path.
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
  /** Hash and list; send nothing (no receipt, no state writes). */
  dryRun?: boolean;
  /** `--content-type`: overrides the type from the extension. */
  contentType?: string | undefined;
  /**
   * Where the files go (default: Sovereign's presigned upload through the profile's API
   * and storage clients). Called on the first file that needs the server.
   */
  destination?: () => Promise<UploadDestination>;
  /** How the run is shown (default: push's renderer, push-output.ts). */
  output?: RunOutput;
  /** Content hashes a plan decided (see PushOptions.expectedSha256). */
  expectedSha256?: (file: DiscoveredFile) => string | undefined;
  /** State entries to record before the run (apply: unchanged content found under a new path). */
  adopt?: readonly StateEntry[];
  /** Where and how the results are rendered. */
  io: IOStreams;
  format: OutputFormat;
  quiet: boolean;
  /** One row per file in the table format (`--verbose`, or `-o table` given). */
  rows?: boolean | undefined;
}

/** What renders a run: push-output.ts's PushOutput (with a command's RunView for its records). */
export interface RunOutput {
  start(): Promise<void>;
  readonly onEvent: (event: import("../../core/evidence/push.js").PushEvent) => void;
  stopSpinner(): void;
  finish(summary: PushSummary, extra: { stateFile?: string | undefined }): Promise<void>;
}

/** The scope (server, organization) of a profile's push, refusing a profile without an org. */
export async function pushScope(ctx: CommandContext): Promise<StateScope & { profile: string }> {
  const profile = await ctx.profile();
  const notSetUp = setupError(profile, { org: true });
  if (notSetUp) throw notSetUp;
  if (!profile.orgId) {
    throw new UsageError(
      "no organization ID configured",
      "pass --org, set GRC_ORG_ID, or run `grc auth login`",
    );
  }
  return { base_url: profile.baseUrl ?? "", org_id: profile.orgId, profile: profile.name };
}

/** Sovereign's presigned upload through the profile's clients (loaded on first need). */
async function sovereignDestination(
  ctx: CommandContext,
  errors: typeof import("../../platforms/sovereign/errors.js"),
): Promise<UploadDestination> {
  const { presignedDestination } = await import("../../core/evidence/presigned.js");
  return presignedDestination({
    evidence: (await ctx.platform("sovereign")).evidence,
    storage: await ctx.storage(),
    classify: errors.classifyUploadError,
    fatalError: errors.uploadFatalError,
  });
}

/** Runs the pipeline over `files`; resolves with the summary and the exit code of push. */
export async function executePush(
  ctx: CommandContext,
  options: ExecutePushOptions,
): Promise<{ summary: PushSummary; code: number }> {
  const [{ pushEvidence }, { PushState }, { ReceiptWriter }, { PushOutput }, uploadErrors] =
    await Promise.all([
      import("../../core/evidence/push.js"),
      import("../../core/evidence/state-store.js"),
      import("../../core/evidence/receipt.js"),
      import("./push-output.js"),
      import("../../platforms/sovereign/errors.js"),
    ]);
  const { scope } = options;
  const dryRun = Boolean(options.dryRun);
  const state = options.stateFile ? await PushState.load(options.stateFile) : undefined;
  // From here on the state is closed (its journal folded, its lock released) on every path.
  let summary: PushSummary | undefined;
  let stateError: unknown;
  let receipt: Awaited<ReturnType<typeof ReceiptWriter.open>> | undefined;
  const output =
    options.output ??
    new PushOutput({
      io: options.io,
      format: options.format,
      quiet: options.quiet,
      dryRun,
      rows: options.rows,
    });
  const startedAt = ctx.now().toISOString();
  try {
    for (const entry of options.adopt ?? []) state?.record(entry);
    receipt = options.receipt && !dryRun ? await ReceiptWriter.open(options.receipt) : undefined;
    const destination = options.destination ?? (() => sovereignDestination(ctx, uploadErrors));
    await output.start();
    summary = await pushEvidence(
      {
        files: options.files,
        scope,
        concurrency: options.concurrency,
        verify: options.verify,
        force: Boolean(options.force),
        dryRun,
        contentType: options.contentType,
        signal: ctx.signal,
        expectedSha256: options.expectedSha256,
        onEvent: output.onEvent,
      },
      {
        connect: async () => ({ destination: await destination() }),
        // A connect failure (no credential, no base URL) reads as Sovereign words it.
        errors: {
          classify: uploadErrors.classifyUploadError,
          fatalError: uploadErrors.uploadFatalError,
        },
        state,
        receipt,
      },
    );
  } finally {
    // No spinner left running (its timer would keep the process alive) whatever happened.
    output.stopSpinner();
    // The state is written whatever happened: every linked file must be remembered.
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
      finished_at: ctx.now().toISOString(),
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
  // Reported after the results: the files are linked, only the record of it failed.
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
