import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `demo` noun. */
export const demoCommands: CommandSpec<never>[] = [];
