import { defineCommand } from "../../cli/command.js";
import { type EvidenceFlags, evidenceOptions } from "../evidence/snapshot-evidence.js";
import { type GetOptions, outputShapeOptions } from "./query-options.js";

/** `grc get <type> <id>`: one resource of any JSON:API collection. */
export const getCommand = defineCommand<GetOptions & EvidenceFlags>({
  path: ["get"],
  args: "<type> <id>",
  summary: "Show one resource of a JSON:API collection",
  options: [...outputShapeOptions, ...evidenceOptions],
  output: true,
  help: "Example:\n  grc get external_accounts 1 --include team.sub_organization.organization --output json",
  async run(ctx, args, opts) {
    const [{ runGetResource }, { runWithEvidence }, { getEvidenceQuery }] = await Promise.all([
      import("./run-query.js"),
      import("../evidence/snapshot-evidence.js"),
      import("./evidence-query.js"),
    ]);
    const [type, id] = [args[0]!, args[1]!];
    return runWithEvidence(ctx, opts, getEvidenceQuery(type, id, opts), (c) =>
      runGetResource(c, type, id, opts),
    );
  },
});
