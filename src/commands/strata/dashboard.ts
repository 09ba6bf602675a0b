import { defineCommand } from "../../cli/command.js";
import { STRATA_ENUMS } from "../../platforms/strata/index.js";
import { oneOf } from "./options.js";

/** `grc strata dashboard`: the dashboard's KPI counts. */
export const dashboardCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "dashboard"],
  summary: "Show the dashboard counts (risks, controls, findings, cases, ...)",
  output: true,
  async run(ctx, _args, opts) {
    const { runDashboard } = await import("./run-actions.js");
    return runDashboard(ctx, opts);
  },
});

/** `grc strata chart <type>`: one dashboard chart's data as label/value rows. */
export const chartCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "chart"],
  args: "<type>",
  summary: `Show a dashboard chart's data (${oneOf(STRATA_ENUMS.chartType)})`,
  output: true,
  async run(ctx, args, opts) {
    const { runChart } = await import("./run-actions.js");
    return runChart(ctx, args[0] ?? "", opts);
  },
});
