import { defineCommand } from "../../cli/command.js";
import { type ListOptions, listHelp, listOptions } from "./query-options.js";

/** `grc alerts list`: alerts with predicates, quick filters, sorting, paging and includes. */
export const alertsListCommand = defineCommand<ListOptions>({
  path: ["alerts", "list"],
  summary: "List alerts (filter, sort, page, include related resources)",
  options: listOptions,
  output: true,
  help: listHelp(
    [
      "  grc alerts list --status fail --risk high --since 24h --account Dev",
      "  grc alerts list --filter regions_code_start=us --sort risk_level:desc --include external_account.team",
      "  grc alerts list --all --output ndjson > alerts.ndjson",
    ].join("\n"),
  ),
  async run(ctx, _args, opts) {
    const { runCollectionQuery } = await import("./run-query.js");
    return runCollectionQuery(ctx, "alerts", opts);
  },
});
