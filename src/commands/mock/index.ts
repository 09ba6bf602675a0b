import type { CommandSpec } from "../../cli/command.js";
import { serveCommand } from "./serve.js";

/** Commands of the `mock` noun. */
export const mockCommands: CommandSpec<never>[] = [serveCommand as CommandSpec<never>];
