import { defineCommand } from "../../cli/command.js";
import { type EvidenceFlags, evidenceOptions } from "../evidence/snapshot-evidence.js";
import { type ListOptions, listHelp, listOptions } from "./query-options.js";

/** `grc list <type>`: any JSON:API collection with the same query flags as `grc alerts list`. */
export const listCommand = defineCommand<ListOptions & EvidenceFlags>({
  path: ["list"],
  args: "<type>",
  summary: "List any JSON:API collection (alerts, signatures, suppressions, teams, ...)",
  options: [...listOptions, ...evidenceOptions],
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
    const [{ runCollectionQuery }, { runWithEvidence }, { listEvidenceQuery }] = await Promise.all([
      import("./run-query.js"),
      import("../evidence/snapshot-evidence.js"),
      import("./evidence-query.js"),
    ]);
    const collection = args[0]!;
    // A snapshot walks one page at a time, so its request list is in page order.
    const run = opts.evidence ? { ...opts, concurrency: 1 } : opts;
    return runWithEvidence(ctx, opts, listEvidenceQuery(collection, opts), (c) =>
      runCollectionQuery(c, collection, run),
    );
  },
});
