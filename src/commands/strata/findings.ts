import { type CommandSpec, defineCommand } from "../../cli/command.js";
import { STRATA_ENUMS } from "../../platforms/strata/index.js";
import { createCommand, listCommand } from "./module-commands.js";
import { oneOf, parseRecordId, type RecordInputFlags, recordInputOptions } from "./options.js";

/** `grc strata findings status <id> <status>`. */
const statusCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "findings", "status"],
  args: "<id> <status>",
  summary: "Change a finding's status",
  output: true,
  help: `Statuses: ${oneOf(STRATA_ENUMS.findingStatus)}\n\nExample:\n  grc strata findings status 7 Approved`,
  async run(ctx, args, opts) {
    const id = parseRecordId(args[0], "finding id");
    const { runAction } = await import("./run-actions.js");
    return runAction(ctx, opts, (s) => s.setFindingStatus(id, args[1] ?? ""));
  },
});

/** `grc strata findings respond <id>`: submit management's response. */
const respondCommand = defineCommand<RecordInputFlags & { response?: string }>({
  path: ["strata", "findings", "respond"],
  args: "<id>",
  summary: "Submit management's response to a finding",
  options: [
    {
      flags: "-r, --response <text>",
      description: "the management response (field management_response)",
    },
    ...recordInputOptions,
  ],
  output: true,
  help: 'Fields: management_response (required), action_plan, target_date\n\nExample:\n  grc strata findings respond 7 --response "Agreed; MFA everywhere by Q1" --field target_date=2027-03-31',
  async run(ctx, args, opts) {
    const id = parseRecordId(args[0], "finding id");
    const { runRespond } = await import("./run-actions.js");
    return runRespond(ctx, id, opts);
  },
});

/** `grc strata findings list|create|status|respond`. */
export const findingCommands: CommandSpec<never>[] = [
  listCommand(
    "findings",
    "List audit findings",
    [
      { flags: "--engagement-id <n>", param: "engagement_id", description: "only this engagement" },
      {
        flags: "--status <s>",
        param: "status",
        description: `only this status (${oneOf(STRATA_ENUMS.findingStatus)})`,
      },
      {
        flags: "--assigned-to <n>",
        param: "assigned_to",
        description: "only this assignee (user id)",
      },
    ],
    ["grc strata findings list --engagement-id 2 --status Open --assigned-to 5"],
  ),
  createCommand(
    "findings",
    "finding",
    `engagement_id (required), title (required), description, risk_rating (${oneOf(STRATA_ENUMS.findingRiskRating)}), status, assigned_to, due_date`,
    'grc strata findings create --field engagement_id=2 --field title="MFA gaps" --field risk_rating=High',
  ),
  statusCommand,
  respondCommand,
] as CommandSpec<never>[];
