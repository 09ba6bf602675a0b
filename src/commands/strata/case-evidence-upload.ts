import { defineCommand } from "../../cli/command.js";
import { UsageError } from "../../errors.js";
import { RECEIPT_SIGNING_OPTIONS } from "../evidence/receipt-signing.js";
import { parseRecordId } from "./options.js";

/** Flags of `grc strata cases evidence upload`. */
export interface CaseEvidenceFlags {
  description?: string;
  concurrency: number;
  include?: string[];
  exclude?: string[];
  hidden?: boolean;
  receipt?: string;
  signKey?: string;
  attestation?: string;
  state?: string | false;
  force?: boolean;
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
      description: "files uploaded at once (1-64)",
      default: 4,
      parse: (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 64) {
          throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${v}"`);
        }
        return n;
      },
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
    const { runCaseEvidenceUpload } = await import("./run-case-evidence.js");
    return runCaseEvidenceUpload(ctx, caseId, args.slice(1), opts);
  },
});
