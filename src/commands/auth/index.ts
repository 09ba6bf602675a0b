import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `auth` noun. */
export const authCommands: CommandSpec<never>[] = [];
