import type { CommandSpec } from "../../cli/command.js";
import { caseEvidenceUploadCommand } from "./case-evidence-upload.js";
import { caseCommands } from "./cases.js";
import { controlCommands } from "./controls.js";
import { chartCommand, dashboardCommand } from "./dashboard.js";
import { engagementCommands } from "./engagements.js";
import { findingCommands } from "./findings.js";
import { kpiCommands } from "./kpis.js";
import { riskCommands } from "./risks.js";
import { strataStatusCommand } from "./status.js";

/** Commands of the `strata` noun. */
export const strataCommands: CommandSpec<never>[] = [
  strataStatusCommand,
  dashboardCommand,
  chartCommand,
  ...riskCommands,
  ...controlCommands,
  ...engagementCommands,
  ...findingCommands,
  ...caseCommands,
  caseEvidenceUploadCommand,
  ...kpiCommands,
] as CommandSpec<never>[];
