import { defineCommand } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { UsageError } from "../../errors.js";
import { RECEIPT_SIGNING_OPTIONS } from "../evidence/receipt-signing.js";
import { parseRecordId } from "./options.js";

/** Flags of `grc strata cases evidence upload`. */
export interface CaseEvidenceFlags {
  description?: string;
  concurrency: number;
  dryRun?: boolean;
  contentType?: string;
  include?: string[];
  exclude?: string[];
  hidden?: boolean;
  receipt?: string;
  signKey?: string;
  attestation?: string;
  state?: string | false;
  force?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  output?: string;
  json?: boolean;
}

/** `grc strata cases evidence upload <case-id> <files...>`. */
export const caseEvidenceUploadCommand = defineCommand<CaseEvidenceFlags>({
  path: ["strata", "cases", "evidence", "upload"],
  args: "<case-id> <files...>",
  summary: "Upload evidence files to an investigation case (multipart, SHA-256 checked)",
  options: [
    { flags: "--description <text>", description: "description stored with each file" },
    {
      flags: "-c, --concurrency <n>",
      description: "files in flight at once (1-256)",
      default: 8,
      parse: wholeNumber("--concurrency", 1, 256),
    },
    { flags: "--dry-run", description: "list files with sizes and SHA-256; send nothing" },
    {
      flags: "--content-type <type>",
      description: "Content-Type for every file (default: from the extension)",
    },
    {
      flags: "--include <glob>",
      description: "only files matching (repeatable)",
      repeatable: true,
    },
    {
      flags: "--exclude <glob>",
      description: "skip files matching (repeatable)",
      repeatable: true,
    },
    { flags: "--hidden", description: "include dot files and dot folders" },
    { flags: "--receipt <file>", description: "write an NDJSON receipt of every uploaded file" },
    ...RECEIPT_SIGNING_OPTIONS,
    {
      flags: "--state <file>",
      description:
        "state file that skips unchanged files already uploaded (default <config>/state/<profile>.json)",
    },
    { flags: "--no-state", description: "neither read nor write the state file" },
    { flags: "--force", description: "upload even files the state says are already on the case" },
    {
      flags: "--verbose",
      description: "one row per file (a table like -o table); default: totals and failures",
    },
    { flags: "-q, --quiet", description: "print only errors" },
  ],
  output: true,
  help: [
    "Each file is streamed once: SHA-256 is computed on the way and sent after the file;",
    "StrataGRC recomputes it and a file whose hashes differ fails. Exit 1 when any file failed.",
    "",
    "Example:",
    "  grc strata cases evidence upload 4 ./interviews/ ./exports/*.csv --receipt case4.ndjson",
  ].join("\n"),
  async run(ctx, args, opts) {
    const caseId = parseRecordId(args[0], "case id");
    if (opts.contentType !== undefined) {
      const { isValidContentType } = await import("../../core/evidence/content-type.js");
      if (!isValidContentType(opts.contentType)) {
        throw new UsageError(
          `--content-type "${opts.contentType}" is not a media type`,
          "use type/subtype, e.g. text/csv",
        );
      }
    }
    const { runCaseEvidenceUpload } = await import("./run-case-evidence.js");
    return runCaseEvidenceUpload(ctx, caseId, args.slice(1), opts);
  },
});
