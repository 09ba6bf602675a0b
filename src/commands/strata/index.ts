import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `strata` noun. */
export const strataCommands: CommandSpec<never>[] = [];
