import { defineCommand } from "../../cli/command.js";
import { type GetOptions, outputShapeOptions } from "./query-options.js";

/** `grc get <type> <id>`: one resource of any JSON:API collection. */
export const getCommand = defineCommand<GetOptions>({
  path: ["get"],
  args: "<type> <id>",
  summary: "Show one resource of a JSON:API collection",
  options: outputShapeOptions,
  output: true,
  help: "Example:\n  grc get external_accounts 1 --include team.sub_organization.organization --output json",
  async run(ctx, args, opts) {
    const { runGetResource } = await import("./run-query.js");
    return runGetResource(ctx, args[0]!, args[1]!, opts);
  },
});
