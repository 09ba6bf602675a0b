import type { CommandSpec } from "../../cli/command.js";
import { listCommand } from "./list.js";
import { loginCommand } from "./login.js";
import { logoutCommand } from "./logout.js";
import { statusCommand } from "./status.js";

/** Commands of the `auth` noun. */
export const authCommands: CommandSpec<never>[] = [
  loginCommand,
  statusCommand,
  listCommand,
  logoutCommand,
] as CommandSpec<never>[];
