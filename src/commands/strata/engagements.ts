import { type CommandSpec, defineCommand } from "../../cli/command.js";
import { STRATA_ENUMS } from "../../platforms/strata/index.js";
import { createCommand, getCommand, listCommand } from "./module-commands.js";
import { oneOf, parseRecordId } from "./options.js";

/** `grc strata engagements phase <id> <phase>`. */
const phaseCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "engagements", "phase"],
  args: "<id> <phase>",
  summary: "Move an audit engagement to another phase",
  output: true,
  help: `Phases: ${oneOf(STRATA_ENUMS.engagementPhase)}\n\nExample:\n  grc strata engagements phase 3 Fieldwork`,
  async run(ctx, args, opts) {
    const id = parseRecordId(args[0], "engagement id");
    const { runAction } = await import("./run-actions.js");
    return runAction(ctx, opts, (s) => s.setEngagementPhase(id, args[1] ?? ""));
  },
});

/** `grc strata engagements list|get|create|phase`. */
export const engagementCommands: CommandSpec<never>[] = [
  listCommand(
    "engagements",
    "List audit engagements",
    [
      {
        flags: "--phase <p>",
        param: "phase",
        description: `only this phase (${oneOf(STRATA_ENUMS.engagementPhase)})`,
      },
      { flags: "--status <s>", param: "status", description: "only this status" },
    ],
    ["grc strata engagements list --phase Fieldwork"],
  ),
  getCommand("engagements", "engagement"),
  createCommand(
    "engagements",
    "engagement",
    `title (required), phase (${oneOf(STRATA_ENUMS.engagementPhase)}), status, lead_auditor_id, start_date, end_date, scope`,
    'grc strata engagements create --field title="FY27 SOC 2" --field start_date=2027-01-10',
  ),
  phaseCommand,
] as CommandSpec<never>[];
