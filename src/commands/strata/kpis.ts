import { type CommandSpec, defineCommand } from "../../cli/command.js";
import { listCommand } from "./module-commands.js";
import { parseRecordId } from "./options.js";

/** `grc strata kpis history <id>`. */
const historyCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "kpis", "history"],
  args: "<id>",
  summary: "Show a KPI's performance history",
  output: true,
  async run(ctx, args, opts) {
    const id = parseRecordId(args[0], "KPI id");
    const { runKpiHistory } = await import("./run-actions.js");
    return runKpiHistory(ctx, id, opts);
  },
});

/** `grc strata kpis submit <id> <value> [--period P]`. */
const submitCommand = defineCommand<{ period?: string; output?: string; json?: boolean }>({
  path: ["strata", "kpis", "submit"],
  args: "<id> <value>",
  summary: "Submit a KPI's value for a period",
  options: [
    {
      flags: "--period <period>",
      description:
        "period the value is for: YYYY-MM or YYYY-Qn (default: the server's current month)",
    },
  ],
  output: true,
  help: "A second value for the same period replaces the first.\n\nExample:\n  grc strata kpis submit 1 97.5 --period 2026-11",
  async run(ctx, args, opts) {
    const id = parseRecordId(args[0], "KPI id");
    const { runKpiSubmit } = await import("./run-actions.js");
    return runKpiSubmit(ctx, id, args[1] ?? "", opts);
  },
});

/** `grc strata kpis list|history|submit`. */
export const kpiCommands: CommandSpec<never>[] = [
  listCommand(
    "kpis",
    "List KPIs with their current value and target",
    [],
    ["grc strata kpis list"],
  ),
  historyCommand,
  submitCommand,
] as CommandSpec<never>[];
