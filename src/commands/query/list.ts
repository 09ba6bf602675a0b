import { defineCommand } from "../../cli/command.js";
import { type ListOptions, listHelp, listOptions } from "./query-options.js";

/** `grc list <type>`: any JSON:API collection with the same query flags as `grc alerts list`. */
export const listCommand = defineCommand<ListOptions>({
  path: ["list"],
  args: "<type>",
  summary: "List any JSON:API collection (alerts, signatures, suppressions, teams, ...)",
  options: listOptions,
  output: true,
  help: listHelp(
    [
      "  grc list signatures --filter name_cont=dns --sort risk_level:desc --sort created_at",
      "  grc list suppressions --filter created_by_email_eq=bob@mycompany.com --any --filter regions_code_start=us",
      "  grc list reports/12/alerts --all --output csv",
      "",
      "Types: alerts, signatures, suppressions, external_accounts, teams, sub_organizations,",
      "organizations, regions, tags, users, reports, reports/<id>/alerts, evidence (Sovereign, needs --org).",
    ].join("\n"),
  ),
  async run(ctx, args, opts) {
    const { runCollectionQuery } = await import("./run-query.js");
    return runCollectionQuery(ctx, args[0]!, opts);
  },
});
