import type { CommandSpec } from "../../cli/command.js";
import { STRATA_ENUMS } from "../../platforms/strata/index.js";
import { createCommand, listCommand } from "./module-commands.js";
import { oneOf } from "./options.js";

/** `grc strata cases list|create` (evidence upload lives in case-evidence-upload.ts). */
export const caseCommands: CommandSpec<never>[] = [
  listCommand(
    "cases",
    "List investigation (IMS) cases",
    [
      {
        flags: "--status <s>",
        param: "status",
        description: `only this status (${oneOf(STRATA_ENUMS.caseStatus)})`,
      },
      {
        flags: "--priority <p>",
        param: "priority",
        description: `only this priority (${oneOf(STRATA_ENUMS.casePriority)})`,
      },
    ],
    ["grc strata cases list --status in_progress --priority urgent"],
  ),
  createCommand(
    "cases",
    "case",
    `title (required), description, status (${oneOf(STRATA_ENUMS.caseStatus)}), priority (${oneOf(STRATA_ENUMS.casePriority)}), assigned_to`,
    'grc strata cases create --field title="Lost badge" --field priority=high',
  ),
] as CommandSpec<never>[];
