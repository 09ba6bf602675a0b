import type { CommandSpec } from "../../cli/command.js";
import { alertsGetCommand } from "./alerts-get.js";
import { alertsListCommand } from "./alerts-list.js";
import { getCommand } from "./get.js";
import { listCommand } from "./list.js";

/** Commands of the `query` noun: `grc alerts list|get`, `grc list <type>`, `grc get <type> <id>`. */
export const queryCommands: CommandSpec<never>[] = [
  alertsListCommand,
  alertsGetCommand,
  listCommand,
  getCommand,
] as CommandSpec<never>[];
