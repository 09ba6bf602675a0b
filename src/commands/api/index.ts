import type { CommandSpec } from "../../cli/command.js";
import { apiCommand } from "./api.js";

/** Commands of the `api` noun. */
export const apiCommands: CommandSpec<never>[] = [apiCommand] as CommandSpec<never>[];
