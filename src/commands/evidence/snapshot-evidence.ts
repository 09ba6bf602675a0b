import { resolve } from "node:path";
import type { CommandContext, OptionSpec } from "../../cli/command.js";
import { ExitCode, UsageError } from "../../errors.js";
import { RECEIPT_SIGNING_OPTIONS, type ReceiptSigningFlags } from "./receipt-signing.js";

/**
 * `--evidence CONTROL` on the query commands (`grc alerts list`, `grc list`, `grc get`,
 * `grc strata <module> list`): the command runs as usual, its result is written as a
 * snapshot file, and the file is pushed through the push pipeline (state, receipt).
 */

/** The flags `--evidence` brings. */
export interface EvidenceFlags extends ReceiptSigningFlags {
  evidence?: string;
  framework?: string;
  assessment?: string;
  evidenceProfile?: string;
  snapshotDir?: string;
  receipt?: string;
  /** A path, false for --no-state, undefined for the evidence profile's default file. */
  state?: string | false;
}

function nonEmpty(flag: string) {
  return (value: string): string => {
    if (value.trim() === "") throw new UsageError(`${flag} needs a value`);
    return value;
  };
}

/** The options every query command gets for `--evidence`. */
export const evidenceOptions: readonly OptionSpec[] = [
  {
    flags: "--evidence <control>",
    description: "also save the result as a snapshot file and link it to this control",
    parse: nonEmpty("--evidence"),
  },
  {
    flags: "--framework <id>",
    description: "framework of the evidence link (with --evidence)",
    parse: nonEmpty("--framework"),
  },
  {
    flags: "--assessment <id>",
    description: "assessment of the evidence link (with --evidence)",
    parse: nonEmpty("--assessment"),
  },
  {
    flags: "--evidence-profile <name>",
    description: "profile that receives the evidence (default: this command's profile)",
  },
  {
    flags: "--snapshot-dir <dir>",
    description: "where the snapshot is written (default: <config dir>/snapshots/<profile>)",
  },
  { flags: "--receipt <file>", description: "write an NDJSON audit receipt of the push" },
  ...RECEIPT_SIGNING_OPTIONS,
  {
    flags: "--state <file>",
    description: "push state file (default: <config dir>/state/<profile>.json)",
  },
  { flags: "--no-state", description: "neither read nor write the push state" },
];

/** What the query was, for the snapshot's `source`. */
export interface EvidenceQuery {
  /** File name stem of the snapshot ("alerts", "strata-risks"). */
  label: string;
  platform: "jsonapi" | "strata";
  /** The query as typed (only the values given). */
  query: Record<string, unknown>;
  /** JSON:API include paths (for flattening) and --limit. */
  include?: readonly string[];
  limit?: number | undefined;
}

/** Drops undefined values (the query as typed). */
export function given(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** A StrataGRC module list as its snapshot records it (`grc strata <module> list --evidence`). */
export function strataEvidenceQuery(
  module: string,
  filters: Record<string, unknown>,
  paging: { all?: boolean; page?: number; perPage?: number },
): EvidenceQuery {
  return {
    label: `strata-${module}`,
    platform: "strata",
    query: given({
      module,
      filters: given(filters),
      all: paging.all || undefined,
      page: paging.page,
      per_page: paging.perPage,
    }),
  };
}

/**
 * Runs a query command; with `--evidence`, records its requests and answers, writes the
 * snapshot and pushes it. The query's exit code wins when it is not 0 (nothing is pushed).
 */
export async function runWithEvidence(
  ctx: CommandContext,
  flags: EvidenceFlags,
  what: EvidenceQuery,
  run: (ctx: CommandContext) => Promise<number>,
): Promise<number> {
  if (!flags.evidence) {
    const stray = (
      [
        ["--framework", flags.framework],
        ["--assessment", flags.assessment],
        ["--evidence-profile", flags.evidenceProfile],
        ["--snapshot-dir", flags.snapshotDir],
        ["--receipt", flags.receipt],
        ["--sign-key", flags.signKey],
        ["--attestation", flags.attestation],
        ["--state", flags.state],
      ] as const
    ).find(([, v]) => v !== undefined);
    if (stray) {
      throw new UsageError(
        `${stray[0]} goes with --evidence`,
        "pass --evidence CONTROL to save the result as evidence",
      );
    }
    return run(ctx);
  }
  const [
    { profileContext },
    { executePush, pushScope },
    capture,
    { snapshotDocument, snapshotName, writeSnapshot },
    { stateFilePath },
    { prepareReceiptSigning },
  ] = await Promise.all([
    import("./profile-context.js"),
    import("./run-push.js"),
    import("./snapshot-capture.js"),
    import("../../core/evidence/snapshot.js"),
    import("../../core/config/paths.js"),
    import("./receipt-signing.js"),
  ]);
  // Before the query runs: a bad or encrypted key is exit 2 with nothing fetched or pushed.
  const signing = await prepareReceiptSigning(ctx, flags);
  const other = flags.evidenceProfile ? profileContext(ctx, flags.evidenceProfile) : undefined;
  try {
    const evidenceCtx = other ?? ctx;
    // The receiving side first: a missing organization fails before the query runs.
    const scope = await pushScope(evidenceCtx);
    const recording = capture.recordingContext(ctx);
    const code = await run(recording.ctx);
    const rec = recording.recorder();
    if (code !== ExitCode.ok || !rec) return code;

    const records =
      what.platform === "jsonapi"
        ? capture.jsonApiRecords(rec.bodies, what.include ?? [], what.limit)
        : capture.strataRecords(rec.bodies);
    const profile = await ctx.profile();
    const source = {
      platform: what.platform,
      base_url: rec.client.baseUrl,
      org_id: profile.orgId ?? null,
      query: what.query,
    };
    const doc = snapshotDocument({
      source,
      requests: rec.requests,
      records,
      fetchedAt: ctx.now(),
    });
    const cwd = ctx.cwd;
    const dir = flags.snapshotDir
      ? resolve(cwd, flags.snapshotDir)
      : capture.defaultSnapshotDir(ctx.env, scope.profile);
    const written = await writeSnapshot(
      dir,
      snapshotName(what.label, source, rec.requests[0]),
      doc,
    );
    const target = {
      control_id: flags.evidence,
      framework_id: flags.framework,
      assessment_id: flags.assessment,
    };
    const files = await capture.snapshotFiles(written, [target], cwd);
    const stateFile =
      flags.state === false
        ? undefined
        : resolve(cwd, flags.state ?? stateFilePath(ctx.env, scope.profile));
    const io = {
      ...ctx.io,
      stdout: ctx.io.stderr,
      stdoutIsTTY: ctx.io.stderrIsTTY,
      colorStdout: ctx.io.colorStderr,
    };
    const { summary, code: pushed } = await executePush(evidenceCtx, {
      files,
      scope,
      stateFile,
      receipt: flags.receipt,
      signing,
      concurrency: 1,
      verify: true,
      io,
      format: "table",
      quiet: true,
    });
    const result = summary.results[0];
    if (result && result.status !== "failed") {
      const to = [
        target.control_id,
        target.framework_id,
        target.assessment_id && `@${target.assessment_id}`,
      ]
        .filter(Boolean)
        .join(" ");
      const how =
        result.status === "skipped"
          ? "unchanged, already linked to"
          : result.created === false
            ? "already linked to"
            : "linked to";
      ctx.warn(
        `evidence: snapshot ${files[0]!.path} (${doc.count} record(s), sha256 ${result.sha256?.slice(0, 12)}) ${how} ${to}`,
      );
    }
    return pushed;
  } finally {
    await other?.dispose();
  }
}
