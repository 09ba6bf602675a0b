import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `mock` noun. */
export const mockCommands: CommandSpec<never>[] = [];
