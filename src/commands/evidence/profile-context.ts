import type { CommandContext } from "../../cli/command.js";
import { createContext, type DisposableContext } from "../../cli/context.js";

/**
 * A context for another stored profile (`--evidence-profile`, a snapshot's `profile:`): the
 * same streams, signal, debug, retries and timeout; the connection flags of the command line
 * (--base-url, --org, ...) belong to the command's own profile and do not carry over.
 * Environment variables (GRC_BASE_URL, GRC_API_KEY, ...) apply to every profile, as always.
 */
export function profileContext(ctx: CommandContext, profile: string): DisposableContext {
  return createContext({
    io: ctx.io,
    program: ctx.program,
    env: ctx.env,
    signal: ctx.signal,
    globals: {
      debug: ctx.globals.debug,
      profile,
      ...(ctx.globals.retries !== undefined ? { retries: ctx.globals.retries } : {}),
      ...(ctx.globals.timeout !== undefined ? { timeout: ctx.globals.timeout } : {}),
    },
  });
}
