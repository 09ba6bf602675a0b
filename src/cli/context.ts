import type { ResolvedProfile } from "../core/config/types.js";
import { AuthError } from "../errors.js";
import type { RetryBudget } from "../http/retry-budget.js";
import type { ApiClient, ClientOptions, StorageClient } from "../http/types.js";
import type { CommandContext, GlobalOptions, Platforms, ProgramHandle } from "./command.js";
import type { IOStreams } from "./io.js";
import { liftoffOnly } from "./wasm-tier.js";

interface ContextInit {
  io: IOStreams;
  program: ProgramHandle;
  env: NodeJS.ProcessEnv;
  /** Defaults to the process's working directory. */
  cwd?: string;
  /** Defaults to the system clock. */
  now?: () => Date;
  globals: GlobalOptions;
  signal: AbortSignal;
  /** Aborts requests in flight (a run's grace after a signal ran out, --max-time); default `signal`'s twin never fires. */
  requestSignal?: AbortSignal | undefined;
  overrides?: Partial<CommandContext> | undefined;
}

/** The context plus what the CLI must release after the command. */
export interface DisposableContext extends CommandContext {
  dispose(): Promise<void>;
}

/** Builds a command's lazy dependencies: the profile and clients are created on first use. */
export function createContext(init: ContextInit): DisposableContext {
  const { io, env, globals, signal } = init;
  let profile: Promise<ResolvedProfile> | undefined;
  let api: Promise<ApiClient> | undefined;
  let storage: Promise<StorageClient> | undefined;
  /** One retry budget for the run, shared by the API and the storage client. */
  let retryBudget: RetryBudget | undefined;
  const platforms = new Map<keyof Platforms, Promise<Platforms[keyof Platforms]>>();

  const debug = (line: string) => {
    if (globals.debug) io.stderr.write(`[debug] ${line}\n`);
  };
  const warn = (line: string) => {
    io.stderr.write(`${line}\n`);
  };
  const clientOptions = (): Omit<ClientOptions, "baseUrl" | "credential"> => ({
    ...(globals.retries !== undefined ? { retries: globals.retries } : {}),
    ...(globals.timeout !== undefined ? { timeoutMs: globals.timeout * 1000 } : {}),
    debug: globals.debug ? debug : undefined,
    notice: warn,
    env,
    ...(init.requestSignal ? { signal: init.requestSignal } : {}),
  });

  const ctx: DisposableContext = {
    io,
    program: init.program,
    env,
    cwd: init.cwd ?? process.cwd(),
    now: init.now ?? (() => new Date()),
    globals,
    signal,
    debug,
    warn,
    profile() {
      profile ??= import("../core/config/resolve.js").then(async (m) => {
        const resolved = await m.resolveProfile(globals, env);
        for (const line of resolved.warnings ?? []) warn(line);
        return resolved;
      });
      return profile;
    },
    api() {
      api ??= (async () => {
        const p = await ctx.profile();
        const notSetUp = (await import("../core/config/setup.js")).setupError(p);
        if (notSetUp) throw notSetUp;
        if (!p.baseUrl) {
          throw new AuthError(
            "no base URL configured",
            "run `grc auth login`, pass --base-url or set GRC_BASE_URL",
          );
        }
        if (p.credential.kind === "none") {
          throw new AuthError(
            `no credentials for profile "${p.name}"`,
            "run `grc auth login` or set GRC_API_KEY (or GRC_HMAC_KEY_ID/GRC_HMAC_SECRET, GRC_SESSION)",
          );
        }
        liftoffOnly();
        const { createApiClient, RetryBudget } = await import("../http/client.js");
        retryBudget ??= new RetryBudget();
        return createApiClient({
          ...clientOptions(),
          retryBudget,
          baseUrl: p.baseUrl,
          credential: p.credential,
          caCert: p.caCert,
          orgId: p.orgId,
          insecure: p.insecure,
        });
      })();
      return api;
    },
    storage() {
      storage ??= (async () => {
        const p = await ctx.profile().catch(() => undefined);
        liftoffOnly();
        const { createStorageClient, RetryBudget } = await import("../http/client.js");
        retryBudget ??= new RetryBudget();
        return createStorageClient({
          ...clientOptions(),
          retryBudget,
          caCert: p?.caCert,
          insecure: p?.insecure,
        });
      })();
      return storage;
    },
    platform<N extends keyof Platforms>(name: N): Promise<Platforms[N]> {
      if (!platforms.has(name)) platforms.set(name, openPlatform(ctx, name));
      return platforms.get(name) as Promise<Platforms[N]>;
    },
    async dispose() {
      const closing: Promise<void>[] = [];
      if (api) closing.push(api.then((c) => c.close()).catch(() => {}));
      if (storage) closing.push(storage.then((c) => c.close()).catch(() => {}));
      await Promise.all(closing);
    },
    ...init.overrides,
  };
  return ctx;
}

/**
 * Builds a platform over a context's profile and client (each platform checks the profile
 * first, then connects). A context that wraps another's client builds its own with this.
 */
export async function openPlatform<N extends keyof Platforms>(
  ctx: Pick<CommandContext, "profile" | "api">,
  name: N,
): Promise<Platforms[N]> {
  const profile = await ctx.profile();
  const connect = () => ctx.api();
  let platform: Platforms[keyof Platforms];
  if (name === "sovereign") {
    const m = await import("../platforms/sovereign/index.js");
    platform = await m.createSovereignPlatform(profile, connect);
  } else if (name === "strata") {
    const m = await import("../platforms/strata/index.js");
    platform = await m.createStrataPlatform(profile, connect);
  } else {
    const m = await import("../platforms/evident/index.js");
    platform = await m.createEvidentPlatform(profile, connect);
  }
  return platform as Platforms[N];
}
