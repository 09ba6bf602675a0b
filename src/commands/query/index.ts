import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `query` noun. */
export const queryCommands: CommandSpec<never>[] = [];
