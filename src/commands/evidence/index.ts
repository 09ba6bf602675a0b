import type { CommandSpec } from "../../cli/command.js";
import { applyCommand } from "./apply.js";
import { downloadCommand } from "./download.js";
import { exportCommand } from "./export.js";
import { getCommand } from "./get.js";
import { linkCommand } from "./link.js";
import { listCommand } from "./list.js";
import { planCommand } from "./plan.js";
import { pushCommand } from "./push.js";
import { receiptMergeCommand } from "./receipt-merge.js";
import { receiptVerifyCommand } from "./receipt-verify.js";
import { verifyCommand } from "./verify.js";

/** Commands of the `evidence` noun. */
export const evidenceCommands: CommandSpec<never>[] = [
  listCommand,
  getCommand,
  downloadCommand,
  verifyCommand,
  linkCommand,
  pushCommand,
  planCommand,
  applyCommand,
  receiptVerifyCommand,
  receiptMergeCommand,
  exportCommand,
] as CommandSpec<never>[];
