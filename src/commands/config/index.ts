import type { CommandSpec } from "../../cli/command.js";
import {
  getCommand,
  listCommand,
  pathCommand,
  resetCommand,
  setCommand,
  unsetCommand,
  useCommand,
} from "./settings.js";

/** Commands of the `config` noun. */
export const configCommands: CommandSpec<never>[] = [
  pathCommand,
  getCommand,
  setCommand,
  unsetCommand,
  listCommand,
  useCommand,
  resetCommand,
] as CommandSpec<never>[];
