import { defineCommand, outputFormat } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { ExitCode, UsageError } from "../../errors.js";
import type { PlanFlags } from "./plan-build.js";
import { RECEIPT_SIGNING_OPTIONS, type ReceiptSigningFlags } from "./receipt-signing.js";

/** Flags of `grc evidence apply`. */
export interface ApplyFlags extends PlanFlags, ReceiptSigningFlags {
  plan?: string;
  concurrency: number;
  verify: boolean;
  quiet?: boolean;
  output?: string;
  json?: boolean;
}

/** `grc evidence apply`: push exactly what a plan says (new and changed items), nothing else. */
export const applyCommand = defineCommand<ApplyFlags>({
  path: ["evidence", "apply"],
  summary: "Push what the plan says: new and changed files of grc.yaml, nothing else",
  output: true,
  options: [
    { flags: "--plan <file>", description: "a plan saved by `grc evidence plan --out`" },
    {
      flags: "--config <file>",
      description: "plan grc.yaml now and apply it (default grc.yaml; not with --plan)",
    },
    { flags: "--receipt <file>", description: "write an NDJSON audit receipt of the linked files" },
    ...RECEIPT_SIGNING_OPTIONS,
    {
      flags: "--state <file>",
      description: "state file (default: the plan's, or <config dir>/state/<profile>.json)",
    },
    {
      flags: "--snapshot-dir <dir>",
      description:
        "where snapshots are written (with --config; default <config dir>/snapshots/<profile>)",
    },
    { flags: "--hidden", description: "include dot files and dot folders (with --config)" },
    {
      flags: "--shard <i/n>",
      description:
        "only shard i of n (1-based; auto reads CI_NODE_INDEX/CI_NODE_TOTAL), as push --shard",
    },
    { flags: "--follow-symlinks", description: "walk into symlinked folders (with --config)" },
    {
      flags: "--concurrency <n>",
      description: "files in flight at once",
      default: 8,
      parse: wholeNumber("--concurrency", 1, 256),
    },
    { flags: "--no-verify", description: "skip the server-side SHA-256 check before linking" },
    { flags: "-q, --quiet", description: "print only errors" },
  ],
  help: [
    "Examples:",
    "  grc evidence apply                          # plan grc.yaml and apply it",
    "  grc evidence plan --out plan.json; grc evidence apply --plan plan.json --receipt r.ndjson",
    "",
    "A saved plan is applied only if every file still has the SHA-256 the plan saw; otherwise",
    "apply refuses before sending anything. Only new and changed items are pushed; unchanged",
    "content found under a new path is recorded in the state (nothing is sent); missing items",
    "are left alone. A killed apply resumes when run again (same state file).",
    "Exit codes: 0 applied, 1 some files failed (or the plan is incomplete), 2 bad input or a",
    "plan that no longer matches the files, 3 credentials, 4 server or storage unavailable,",
    "130 interrupted (state saved).",
  ].join("\n"),
  async run(ctx, _args, flags) {
    if (flags.plan && flags.config) {
      throw new UsageError("--plan and --config do not go together", "pass one of them");
    }
    if (flags.plan && flags.shard !== undefined) {
      throw new UsageError(
        "--shard goes with the plan, not with apply --plan",
        "make the plan with `grc evidence plan --shard i/n --out FILE`; apply applies that shard",
      );
    }
    const [
      { makePlan },
      { loadPlanFile, checkPlanFiles, applyInputs },
      { executePush, pushScope },
      { prepareReceiptSigning },
    ] = await Promise.all([
      import("./plan-build.js"),
      import("./plan-file.js"),
      import("./run-push.js"),
      import("./receipt-signing.js"),
    ]);
    // Before anything is sent: a bad or encrypted key is exit 2 with nothing pushed.
    const signing = await prepareReceiptSigning(ctx, flags);
    let plan: Awaited<ReturnType<typeof makePlan>>;
    if (flags.plan) {
      plan = await loadPlanFile(flags.plan);
      const scope = await pushScope(ctx);
      if (scope.base_url !== plan.base_url || scope.org_id !== plan.org_id) {
        throw new UsageError(
          `the plan ${flags.plan} is for ${plan.base_url} org ${plan.org_id}, not ${scope.base_url} org ${scope.org_id}`,
          "apply it with the profile it was made with, or plan again",
        );
      }
    } else {
      plan = await makePlan(ctx, flags);
    }
    const unreadable = plan.items.find((i) => i.status === "error");
    if (unreadable) {
      const { GrcError } = await import("../../errors.js");
      throw new GrcError(
        `the plan is incomplete: ${unreadable.path} could not be read (${unreadable.error}); nothing was sent`,
        ExitCode.someFailed,
        "fix the file and plan again",
      );
    }
    // A saved plan holds only if the files are still what it saw.
    const current = flags.plan ? await checkPlanFiles(plan, flags.plan) : undefined;
    const inputs = applyInputs(plan, current, ctx.now());
    const { expected, adopt } = inputs;
    // This run's receipt, signature and attestation are never evidence.
    const files = inputs.files.filter((f) => !signing.isOwnOutput(f.absPath, f.realPath));
    if (files.length === 0 && adopt.length === 0) {
      if (!flags.quiet) {
        ctx.warn(
          `Nothing to apply: ${plan.counts.unchanged} unchanged, ${plan.counts.missing} missing.`,
        );
      }
      return ExitCode.ok;
    }
    const { code } = await executePush(ctx, {
      files,
      scope: { base_url: plan.base_url, org_id: plan.org_id },
      stateFile: flags.state ?? plan.state_file,
      receipt: flags.receipt,
      signing,
      concurrency: flags.concurrency,
      verify: flags.verify !== false,
      expectedSha256: expected,
      adopt,
      io: ctx.io,
      format: outputFormat(flags),
      quiet: Boolean(flags.quiet),
      rows: flags.output !== undefined,
    });
    return code;
  },
});
