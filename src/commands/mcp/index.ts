import type { CommandSpec } from "../../cli/command.js";
import { serveCommand } from "./serve.js";

/** `grc mcp ...` */
export const mcpCommands: CommandSpec<never>[] = [serveCommand] as CommandSpec<never>[];
