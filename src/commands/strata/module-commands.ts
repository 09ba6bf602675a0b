import { type CommandSpec, defineCommand } from "../../cli/command.js";
import type { StrataModule } from "../../platforms/strata/index.js";
import { type EvidenceFlags, evidenceOptions } from "../evidence/snapshot-evidence.js";
import {
  type ListFlags,
  pagingOptions,
  parseRecordId,
  type RecordInputFlags,
  recordInputOptions,
} from "./options.js";

/** A list filter: its flag, the query parameter it fills, and its help. */
export interface FilterFlag {
  /** Commander flag, e.g. "--framework-id <n>". */
  flags: string;
  /** Query parameter, e.g. "framework_id". */
  param: string;
  description: string;
}

/** commander's camelCase name of a flag ("--framework-id <n>" -> "frameworkId"). */
function optionKey(flags: string): string {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? "";
  return long.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `grc strata <noun> list` with the module's filters, paging and output flags. */
export function listCommand(
  module: StrataModule,
  summary: string,
  filters: readonly FilterFlag[],
  examples: readonly string[],
): CommandSpec<ListFlags & EvidenceFlags> {
  return defineCommand<ListFlags & EvidenceFlags>({
    path: ["strata", module, "list"],
    summary,
    options: [
      ...filters.map((f) => ({ flags: f.flags, description: f.description })),
      ...pagingOptions,
      ...evidenceOptions,
    ],
    output: true,
    help: `Examples:\n${examples.map((e) => `  ${e}`).join("\n")}`,
    async run(ctx, _args, opts) {
      const chosen: Record<string, unknown> = {};
      for (const f of filters) chosen[f.param] = opts[optionKey(f.flags)];
      const [{ runList }, { runWithEvidence, strataEvidenceQuery }] = await Promise.all([
        import("./run-module.js"),
        import("../evidence/snapshot-evidence.js"),
      ]);
      return runWithEvidence(ctx, opts, strataEvidenceQuery(module, chosen, opts), (c) =>
        runList(c, module, chosen, opts),
      );
    },
  });
}

/** `grc strata <noun> get <id>`. */
export function getCommand(module: StrataModule, singular: string): CommandSpec<RecordInputFlags> {
  return defineCommand<RecordInputFlags>({
    path: ["strata", module, "get"],
    args: "<id>",
    summary: `Show one ${singular}`,
    output: true,
    async run(ctx, args, opts) {
      const id = parseRecordId(args[0], `${singular} id`);
      const { runGet } = await import("./run-module.js");
      return runGet(ctx, module, id, opts);
    },
  });
}

/** `grc strata <noun> create --field k=v ... | --data @file.json`. */
export function createCommand(
  module: StrataModule,
  singular: string,
  fieldsHelp: string,
  example: string,
): CommandSpec<RecordInputFlags> {
  return defineCommand<RecordInputFlags>({
    path: ["strata", module, "create"],
    summary: `Create a ${singular}`,
    options: recordInputOptions,
    output: true,
    help: `Fields: ${fieldsHelp}\n\nExample:\n  ${example}`,
    async run(ctx, _args, opts) {
      const { runCreate } = await import("./run-module.js");
      return runCreate(ctx, module, singular, opts);
    },
  });
}

/** `grc strata <noun> update <id> --field k=v ...`. */
export function updateCommand(
  module: StrataModule,
  singular: string,
  fieldsHelp: string,
  example: string,
): CommandSpec<RecordInputFlags> {
  return defineCommand<RecordInputFlags>({
    path: ["strata", module, "update"],
    args: "<id>",
    summary: `Change fields of a ${singular}`,
    options: recordInputOptions,
    output: true,
    help: `Fields: ${fieldsHelp}\n\nExample:\n  ${example}`,
    async run(ctx, args, opts) {
      const id = parseRecordId(args[0], `${singular} id`);
      const { runUpdate } = await import("./run-module.js");
      return runUpdate(ctx, module, singular, id, opts);
    },
  });
}

/** `grc strata <noun> delete <id>`. */
export function deleteCommand(
  module: StrataModule,
  singular: string,
): CommandSpec<RecordInputFlags> {
  return defineCommand<RecordInputFlags>({
    path: ["strata", module, "delete"],
    args: "<id>",
    summary: `Delete a ${singular}`,
    output: true,
    async run(ctx, args, opts) {
      const id = parseRecordId(args[0], `${singular} id`);
      const { runDelete } = await import("./run-module.js");
      return runDelete(ctx, module, singular, id, opts);
    },
  });
}
