import type { CommandSpec } from "../../cli/command.js";
import { completionCommand } from "./completion.js";

/** Commands of the `completion` noun. */
export const completionCommands: CommandSpec<never>[] = [completionCommand] as CommandSpec<never>[];
