import { defineCommand } from "../../cli/command.js";
import { type GetOptions, outputShapeOptions } from "./query-options.js";

/** `grc alerts get <id>`: one alert, with related resources when asked. */
export const alertsGetCommand = defineCommand<GetOptions>({
  path: ["alerts", "get"],
  args: "<id>",
  summary: "Show one alert",
  options: outputShapeOptions,
  output: true,
  help: "Example:\n  grc alerts get 1 --include tags,external_account.team --output json",
  async run(ctx, args, opts) {
    const { runGetResource } = await import("./run-query.js");
    return runGetResource(ctx, "alerts", args[0]!, opts);
  },
});
