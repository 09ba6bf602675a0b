import { defineCommand } from "../../cli/command.js";
import { type EvidenceFlags, evidenceOptions } from "../evidence/snapshot-evidence.js";
import { type GetOptions, outputShapeOptions } from "./query-options.js";

/** `grc alerts get <id>`: one alert, with related resources when asked. */
export const alertsGetCommand = defineCommand<GetOptions & EvidenceFlags>({
  path: ["alerts", "get"],
  args: "<id>",
  summary: "Show one alert",
  options: [...outputShapeOptions, ...evidenceOptions],
  output: true,
  help: "Example:\n  grc alerts get 1 --include tags,external_account.team --output json",
  async run(ctx, args, opts) {
    const [{ runGetResource }, { runWithEvidence }, { getEvidenceQuery }] = await Promise.all([
      import("./run-query.js"),
      import("../evidence/snapshot-evidence.js"),
      import("./evidence-query.js"),
    ]);
    const [type, id] = ["alerts", args[0]!];
    return runWithEvidence(ctx, opts, getEvidenceQuery(type, id, opts), (c) =>
      runGetResource(c, type, id, opts),
    );
  },
});
