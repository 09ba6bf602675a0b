import type { CommandContext } from "../../cli/command.js";
import type { ConfigStore } from "../../core/config/store.js";

/** Opens the config store (lazily: conf is heavy) and prints its load warnings on stderr. */
export async function openStore(ctx: CommandContext): Promise<ConfigStore> {
  const { openConfigStore } = await import("../../core/config/store.js");
  const store = openConfigStore(ctx.env);
  for (const warning of store.warnings) ctx.warn(warning);
  return store;
}
