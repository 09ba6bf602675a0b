import { defineCommand, outputFormat } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { setupError } from "../../core/config/setup.js";
import type { DiscoveryRule } from "../../core/evidence/discovery.js";
import { MissingInputError, UsageError } from "../../errors.js";
import { RECEIPT_SIGNING_OPTIONS } from "./receipt-signing.js";

/** Flags of `grc evidence push` as the parser hands them over. */
export interface PushFlags {
  control?: string;
  framework?: string;
  assessment?: string;
  map?: string;
  include?: string[];
  exclude?: string[];
  hidden?: boolean;
  followSymlinks?: boolean;
  contentType?: string;
  concurrency: number;
  verify: boolean;
  dryRun?: boolean;
  receipt?: string;
  signKey?: string;
  attestation?: string;
  /** A path, false for --no-state, undefined for the profile's default file. */
  state?: string | false;
  force?: boolean;
  /** `--shard i/n` as typed ("2/4", "auto", "auto/4"); parsed in run (it may read the env). */
  shard?: string;
  quiet?: boolean;
  verbose?: boolean;
  overwriteReceipt?: boolean;
  output?: string;
  json?: boolean;
}

function nonEmpty(flag: string) {
  return (value: string): string => {
    if (value.trim() === "") throw new UsageError(`${flag} needs a value`);
    return value;
  };
}

/** `grc evidence push`: upload files and link them to controls (seed 000's four steps). */
export const pushCommand = defineCommand<PushFlags>({
  path: ["evidence", "push"],
  args: "[paths...]",
  summary: "Upload evidence files and link them to a control",
  output: true,
  // `grc evidence push dir -o ndjson | head -1`: the push finishes; only its rows are lost.
  finishOnClosedStdout: true,
  options: [
    {
      flags: "--control <id>",
      description: "control to link to (e.g. CC6.1)",
      parse: nonEmpty("--control"),
    },
    {
      flags: "--framework <id>",
      description: "framework of the link (e.g. SOC2)",
      parse: nonEmpty("--framework"),
    },
    {
      flags: "--assessment <id>",
      description: "assessment of the link",
      parse: nonEmpty("--assessment"),
    },
    {
      flags: "--map <file>",
      description: "YAML/JSON rules {paths|globs, control, framework?, assessment?}",
    },
    {
      flags: "--include <glob>",
      description: "only files in folders matching this glob (repeatable)",
      repeatable: true,
    },
    {
      flags: "--exclude <glob>",
      description: "skip files matching this glob (repeatable)",
      repeatable: true,
    },
    { flags: "--hidden", description: "include dot files and dot folders" },
    { flags: "--follow-symlinks", description: "walk into symlinked folders" },
    {
      flags: "--content-type <type>",
      description: "Content-Type for every file (default: from the extension)",
    },
    {
      flags: "-c, --concurrency <n>",
      description: "files in flight at once (1-256)",
      default: 8,
      parse: wholeNumber("--concurrency", 1, 256),
    },
    { flags: "--no-verify", description: "skip the server-side SHA-256 check before linking" },
    { flags: "--dry-run", description: "list files with sizes and SHA-256; send nothing" },
    { flags: "--receipt <file>", description: "write an NDJSON audit receipt of the linked files" },
    ...RECEIPT_SIGNING_OPTIONS,
    {
      flags: "--state <file>",
      description: "state file (default: <config dir>/state/<profile>.json)",
    },
    { flags: "--no-state", description: "neither read nor write the state file" },
    { flags: "--force", description: "push files the state says are already linked" },
    {
      flags: "--shard <i/n>",
      description: "push only shard i of n (1-based; auto reads CI_NODE_INDEX/CI_NODE_TOTAL)",
      parse: nonEmpty("--shard"),
    },
    { flags: "-q, --quiet", description: "print only errors" },
    {
      flags: "--verbose",
      description: "one row per file (a table like -o table); default: totals and failures",
    },
  ],
  help: [
    "Examples:",
    "  grc evidence push access_logs_2024.csv --control CC6.1 --framework SOC2",
    "  grc evidence push exports/ 'reports/**/*.pdf' --control CC7.2 --exclude '*.tmp'",
    "  grc evidence push --map evidence-map.yaml --receipt receipt.ndjson",
    "  grc evidence push --map evidence-map.yaml --shard 2/4 --receipt receipt-2.ndjson",
    "",
    "Each file is read once: its SHA-256 is computed while it streams to storage. Files linked",
    "before and unchanged since (size and mtime, per the state file) are skipped.",
    "Exit codes: 0 all linked or skipped, 1 some files failed, 2 bad input, 3 credentials or",
    "scope, 4 server or storage unavailable, 130 interrupted (state saved).",
  ].join("\n"),
  async run(ctx, paths, flags) {
    const [{ discoverFiles }, { isValidContentType }, { stateFilePath }, shards] =
      await Promise.all([
        import("../../core/evidence/discovery.js"),
        import("../../core/evidence/content-type.js"),
        import("../../core/config/paths.js"),
        import("../../core/evidence/shard.js"),
      ]);
    const [{ prepareReceiptSigning }, { executePush }] = await Promise.all([
      import("./receipt-signing.js"),
      import("./run-push.js"),
    ]);
    const cwd = ctx.cwd;

    // Input first: nothing touches the network until the file list is known to be good.
    if (paths.length === 0 && !flags.map) {
      throw new MissingInputError("name files, folders or globs to push, or pass --map FILE");
    }
    if (paths.length > 0 && !flags.control) {
      throw new UsageError(
        "missing --control: which control should these files be linked to?",
        "pass --control <id> (e.g. --control CC6.1), or use --map for per-folder controls",
      );
    }
    if (paths.length === 0 && (flags.control || flags.framework || flags.assessment)) {
      throw new UsageError(
        "--control, --framework and --assessment apply to paths named on the command line",
        "the map file's rules name their own control, framework and assessment",
      );
    }
    if (flags.contentType !== undefined && !isValidContentType(flags.contentType)) {
      throw new UsageError(
        `--content-type "${flags.contentType}" is not a media type`,
        "use type/subtype, e.g. text/csv",
      );
    }
    const shard = flags.shard === undefined ? undefined : shards.parseShard(flags.shard, ctx.env);
    const rules: DiscoveryRule[] = [];
    if (paths.length > 0 && flags.control) {
      rules.push({
        paths,
        baseDir: cwd,
        target: {
          control_id: flags.control,
          framework_id: flags.framework,
          assessment_id: flags.assessment,
        },
      });
    }
    if (flags.map) {
      // The map file's module brings the YAML parser: loaded only for --map.
      const { loadMapFile } = await import("../../core/evidence/map-file.js");
      rules.push(...(await loadMapFile(flags.map, cwd)));
    }
    // Before anything is sent: a bad or encrypted key is exit 2 with nothing pushed.
    const signing = await prepareReceiptSigning(ctx, flags);
    const found = await discoverFiles(rules, {
      cwd,
      include: flags.include,
      exclude: flags.exclude,
      hidden: flags.hidden,
      followSymlinks: flags.followSymlinks,
      // A symlink loop is said on stderr (one line each); other skips under --debug.
      onSkip: (path, why) =>
        why.startsWith("symlink loop")
          ? ctx.warn(`grc: skipped ${path}: ${why}`)
          : ctx.debug(`skipped ${path}: ${why}`),
      signal: ctx.signal,
    });
    const sharded = shard ? shards.selectShard(found, shard, cwd) : found;
    if (shard) {
      ctx.debug(`shard ${shards.formatShard(shard)}: ${sharded.length} of ${found.length} files`);
    }
    // This run's receipt, signature and attestation are never evidence (issue 11).
    const files = sharded.filter((f) => {
      const own = signing.isOwnOutput(f.absPath, f.realPath);
      if (own) ctx.debug(`skipped ${f.path}: written by this run (--receipt/--attestation)`);
      return !own;
    });

    const profile = await ctx.profile();
    const dryRun = Boolean(flags.dryRun);
    const notSetUp = dryRun ? undefined : setupError(profile, { org: true });
    if (notSetUp) throw notSetUp;
    if (!dryRun && !profile.orgId) {
      throw new UsageError(
        "no organization ID configured",
        "pass --org, set GRC_ORG_ID, or run `grc auth login`",
      );
    }
    const scope = { base_url: profile.baseUrl ?? "", org_id: profile.orgId ?? "" };
    // Each shard keeps its own state file by default (see shard.ts): shards never share one.
    const defaultState = stateFilePath(ctx.env, profile.name);
    const stateFile =
      flags.state === false
        ? undefined
        : (flags.state ?? (shard ? shards.shardStatePath(defaultState, shard) : defaultState));
    const { code } = await executePush(ctx, {
      files,
      scope,
      stateFile,
      receipt: flags.receipt,
      signing,
      concurrency: flags.concurrency,
      verify: flags.verify !== false,
      force: Boolean(flags.force),
      dryRun,
      contentType: flags.contentType,
      io: ctx.io,
      format: outputFormat(flags),
      quiet: Boolean(flags.quiet),
      rows: Boolean(flags.verbose) || flags.output !== undefined,
    });
    return code;
  },
});
