import { type CommandSpec, defineCommand } from "../../cli/command.js";
import { STRATA_ENUMS } from "../../platforms/strata/index.js";
import { createCommand, getCommand, listCommand } from "./module-commands.js";
import { oneOf, parseRecordId } from "./options.js";

/** `grc strata controls effectiveness <id> <value>`. */
const effectivenessCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "controls", "effectiveness"],
  args: "<id> <value>",
  summary: "Record a control's tested effectiveness",
  output: true,
  help: `Values: ${oneOf(STRATA_ENUMS.controlEffectiveness)}\n\nExample:\n  grc strata controls effectiveness 4 "Partially Effective"`,
  async run(ctx, args, opts) {
    const id = parseRecordId(args[0], "control id");
    const { runAction } = await import("./run-actions.js");
    return runAction(ctx, opts, (s) => s.setControlEffectiveness(id, args[1] ?? ""));
  },
});

/** `grc strata controls list|get|create|effectiveness`. */
export const controlCommands: CommandSpec<never>[] = [
  listCommand(
    "controls",
    "List controls",
    [
      { flags: "--framework-id <n>", param: "framework_id", description: "only this framework" },
      {
        flags: "--status <s>",
        param: "status",
        description: `only this status (${oneOf(STRATA_ENUMS.controlStatus)})`,
      },
    ],
    ["grc strata controls list --framework-id 1 --status Active"],
  ),
  getCommand("controls", "control"),
  createCommand(
    "controls",
    "control",
    `code (required), title (required), framework_id (required), description, status (${oneOf(STRATA_ENUMS.controlStatus)}), effectiveness, owner_id`,
    'grc strata controls create --field code=CC9.9 --field title="Key rotation" --field framework_id=1',
  ),
  effectivenessCommand,
] as CommandSpec<never>[];
