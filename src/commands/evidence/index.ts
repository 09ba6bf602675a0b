import type { CommandSpec } from "../../cli/command.js";

/** Commands of the `evidence` noun. */
export const evidenceCommands: CommandSpec<never>[] = [];
