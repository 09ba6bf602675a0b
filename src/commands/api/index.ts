import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `api` noun. */
export const apiCommands: CommandSpec<never>[] = [];
