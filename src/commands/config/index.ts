import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `config` noun. */
export const configCommands: CommandSpec<never>[] = [];
