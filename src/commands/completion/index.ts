import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `completion` noun. */
export const completionCommands: CommandSpec<never>[] = [];
