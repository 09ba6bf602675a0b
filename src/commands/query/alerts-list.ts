import { defineCommand } from "../../cli/command.js";
import { type EvidenceFlags, evidenceOptions } from "../evidence/snapshot-evidence.js";
import { type ListOptions, listHelp, listOptions } from "./query-options.js";

/** `grc alerts list`: alerts with predicates, quick filters, sorting, paging and includes. */
export const alertsListCommand = defineCommand<ListOptions & EvidenceFlags>({
  path: ["alerts", "list"],
  summary: "List alerts (filter, sort, page, include related resources)",
  options: [...listOptions, ...evidenceOptions],
  output: true,
  help: listHelp(
    [
      "  grc alerts list --status fail --risk high --since 24h --account Dev",
      "  grc alerts list --filter regions_code_start=us --sort risk_level:desc --include external_account.team",
      "  grc alerts list --all --output ndjson > alerts.ndjson",
    ].join("\n"),
  ),
  async run(ctx, _args, opts) {
    const [{ runCollectionQuery }, { runWithEvidence }, { listEvidenceQuery }] = await Promise.all([
      import("./run-query.js"),
      import("../evidence/snapshot-evidence.js"),
      import("./evidence-query.js"),
    ]);
    const collection = "alerts";
    // A snapshot walks one page at a time, so its request list is in page order.
    const run = opts.evidence ? { ...opts, concurrency: 1 } : opts;
    return runWithEvidence(ctx, opts, listEvidenceQuery(collection, opts), (c) =>
      runCollectionQuery(c, collection, run),
    );
  },
});
