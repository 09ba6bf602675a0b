import { type CommandContext, defineCommand } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { UsageError } from "../../errors.js";
import type { MockServer } from "../../mock/server.js";

interface ServeOptions {
  host: string;
  port: number;
  storagePort?: number;
  login?: boolean;
  profile?: string;
  data?: string;
  objectsDir?: string;
  faults?: string;
  faultSeed?: number;
  latency?: number;
  slow?: number;
  storage: boolean;
  json?: boolean;
  s3Endpoint?: string;
  s3Bucket?: string;
  alerts?: number;
  rateLimit?: { limit: number; windowMs: number };
  dialect: "full" | "minimal";
  fixedDates?: boolean;
}

/** `--rate-limit N` (per 60 s) or `N/WINDOW` with WINDOW like 1s, 500ms, 2m. */
function rateLimit(value: string): { limit: number; windowMs: number } {
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*(ms|s|m)\s*)?$/.exec(value);
  const limit = m ? Number(m[1]) : 0;
  const windowMs = !m?.[2] ? 60_000 : Number(m[2]) * { ms: 1, s: 1000, m: 60_000 }[m[3] as "ms"];
  if (!m || limit < 1 || !Number.isSafeInteger(limit) || windowMs < 1) {
    throw new UsageError(
      `--rate-limit "${value}" is not N or N/WINDOW`,
      "e.g. --rate-limit 100 (per 60 s) or --rate-limit 20/1s",
    );
  }
  return { limit, windowMs };
}

const port = (flag: string) => (value: string) => {
  const n = wholeNumber(flag, 0)(value);
  if (n > 65535) throw new UsageError(`${flag} must be a port from 0 to 65535, got "${value}"`);
  return n;
};

/** Points the mock at the fixtures that ship with grc (beside the code, or in the binary). */
export async function useShippedFixtures(): Promise<void> {
  const [{ packageAssetDir }, { usePackageFixtures }] = await Promise.all([
    import("../../cli/assets.js"),
    import("../../mock/package-fixtures.js"),
  ]);
  usePackageFixtures(await packageAssetDir("fixtures"));
}

/** The API port `grc mock serve` listens on unless told otherwise; storage listens on the next. */
export const DEFAULT_API_PORT = 4010;
/** The storage port when neither --port nor --storage-port is given. */
export const DEFAULT_STORAGE_PORT = 4011;

/** Storage follows --port: the next port, or any free port with --port 0. */
function storagePortFor(opts: ServeOptions): number {
  if (opts.storagePort !== undefined) return opts.storagePort;
  return opts.port === 0 || opts.port >= 65535 ? 0 : opts.port + 1;
}

/** `grc mock serve`: runs the embedded mock of all three platforms until SIGINT/SIGTERM. */
export const serveCommand = defineCommand<ServeOptions>({
  path: ["mock", "serve"],
  summary: "Serve the Sovereign, Evident and StrataGRC mock (and its object storage) locally",
  connection: false,
  stopsOnSignal: true,
  options: [
    { flags: "--host <host>", description: "interface to listen on", default: "127.0.0.1" },
    {
      flags: "--dialect <name>",
      description:
        'how much the mock says: "full" (conveniences beyond the documents) or "minimal" (only what the documents promise)',
      default: "full",
      choices: ["full", "minimal"],
    },
    {
      flags: "--fixed-dates",
      description:
        "serve the Evident fixtures with their own 2026 dates (default: dated relative to today)",
    },
    {
      flags: "--port <n>",
      description: "API port (0 = any free port)",
      default: DEFAULT_API_PORT,
      parse: port("--port"),
    },
    {
      flags: "--storage-port <n>",
      description: `object storage port (default: --port + 1, so ${DEFAULT_STORAGE_PORT}; any free port with --port 0)`,
      parse: port("--storage-port"),
    },
    {
      flags: "--login",
      description:
        "write a profile for this mock (base URL, org, the demo API key) so commands need no variables; the key is not printed",
    },
    {
      flags: "--profile <name>",
      description: 'the profile --login writes (default "mock"); it becomes active if none is',
    },
    { flags: "--data <dir>", description: "fixture folder (default: the package's fixtures/)" },
    {
      flags: "--objects-dir <dir>",
      description:
        'where uploaded objects go: a directory, or "memory" (default: a temp dir removed on exit)',
    },
    {
      flags: "--faults <spec>",
      description: 'inject faults, e.g. "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05"',
    },
    {
      flags: "--fault-seed <n>",
      description: "seed for --faults (same seed, same faults)",
      parse: wholeNumber("--fault-seed", 0),
    },
    {
      flags: "--latency <ms>",
      description: "delay every API response",
      parse: wholeNumber("--latency", 0),
    },
    {
      flags: "--slow <ms>",
      description: "how long a slow fault stalls (default 2000)",
      parse: wholeNumber("--slow", 0),
    },
    { flags: "--no-storage", description: "run without object storage (upload-url answers 503)" },
    { flags: "--json", description: "print the identity as one JSON line" },
    {
      flags: "--s3-endpoint <url>",
      description: "use a real S3-compatible server (AWS_* credentials)",
    },
    { flags: "--s3-bucket <name>", description: "bucket on --s3-endpoint" },
    {
      flags: "--alerts <n>",
      description: "generate this many Evident alerts instead of the fixtures",
      parse: wholeNumber("--alerts", 1),
    },
    {
      flags: "--rate-limit <n[/window]>",
      description:
        "API requests allowed per credential per window, every platform (e.g. 20/1s; default: Evident 10000/60s, others unlimited)",
      parse: rateLimit,
    },
  ],
  help: [
    `Listens on 127.0.0.1:${DEFAULT_API_PORT} (API) and :${DEFAULT_STORAGE_PORT} (storage) by default, so a saved profile`,
    "keeps working across restarts; --port 0 picks any free ports (what tests use).",
    "Examples:",
    "  grc mock serve                      # banner + export block to copy",
    '  grc mock serve --login              # and write profile "mock": then `grc --profile mock ...`',
    "  grc mock serve --json --port 4010   # one JSON line with the identity",
    '  grc mock serve --faults "429=0.1,reset=0.02" --fault-seed 7',
    "  grc mock serve --rate-limit 20/1s   # 429 + X-RateLimit-* once a key sends 20 in a second",
    "",
    "Faults: 429, 500, 503, reset (connection dies mid-response), slow (stalls --slow ms),",
    "corrupt / truncate (storage keeps a flipped byte / half the bytes; only verify notices),",
    "expire (storage answers 403 Request has expired).",
    "GET /__mock/state (loopback only) lists stored objects, lineage rows and every request.",
  ].join("\n"),
  async run(ctx, _args, opts) {
    if (Boolean(opts.s3Endpoint) !== Boolean(opts.s3Bucket)) {
      throw new UsageError("--s3-endpoint and --s3-bucket go together", "pass both, or neither");
    }
    if (opts.s3Endpoint && !opts.storage) {
      throw new UsageError(
        "--no-storage and --s3-endpoint contradict each other",
        "pass one of them",
      );
    }
    if (opts.data !== undefined) {
      const { stat } = await import("node:fs/promises");
      const info = await stat(opts.data).catch(() => undefined);
      if (!info?.isDirectory()) {
        throw new UsageError(
          `--data "${opts.data}" is not a folder`,
          "pass a folder with evident/ and strata/ fixtures, or leave --data out",
        );
      }
    }
    const { startMockServer, isLoopback } = await import("../../mock/server.js");
    const { MockOptionError } = await import("../../mock/errors.js");
    const { formatIdentity } = await import("./banner.js");
    await useShippedFixtures();
    const storagePort = storagePortFor(opts);
    if (opts.profile !== undefined && !opts.login) {
      throw new UsageError("--profile goes with --login", "add --login to write the profile");
    }
    if (opts.login) {
      // A bad name fails before the ports are taken.
      const { validateProfileName } = await import("../../core/config/validate.js");
      validateProfileName(opts.profile ?? "mock", "--profile");
    }
    const server = await startMockServer({
      dialect: opts.dialect,
      relativeDates: !opts.fixedDates,
      host: opts.host,
      port: opts.port,
      storagePort,
      storage: opts.storage,
      // --debug: one line per request; the log entry holds no credentials and no presigned query.
      ...(ctx.globals.debug
        ? {
            onRequest: (e) =>
              ctx.debug(
                `mock ${e.origin} ${e.method} ${e.path} -> ${e.status === 0 ? "connection dropped" : e.status}${e.fault ? ` (fault ${e.fault})` : ""}`,
              ),
          }
        : {}),
      ...(opts.data !== undefined ? { dataDir: opts.data } : {}),
      ...(opts.objectsDir !== undefined ? { objectsDir: opts.objectsDir } : {}),
      ...(opts.faults !== undefined ? { faults: opts.faults } : {}),
      ...(opts.faultSeed !== undefined ? { faultSeed: opts.faultSeed } : {}),
      ...(opts.latency !== undefined ? { latencyMs: opts.latency } : {}),
      ...(opts.slow !== undefined ? { slowMs: opts.slow } : {}),
      ...(opts.alerts !== undefined ? { alerts: opts.alerts } : {}),
      ...(opts.rateLimit !== undefined ? { rateLimit: opts.rateLimit } : {}),
      ...(opts.s3Endpoint && opts.s3Bucket
        ? {
            s3: {
              endpoint: opts.s3Endpoint,
              bucket: opts.s3Bucket,
              region: ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION ?? "us-east-1",
              accessKeyId: ctx.env.AWS_ACCESS_KEY_ID,
              secretAccessKey: ctx.env.AWS_SECRET_ACCESS_KEY,
              sessionToken: ctx.env.AWS_SESSION_TOKEN,
            },
          }
        : {}),
    }).catch((err: unknown) => {
      // The mock names the bad option in its own error; here it becomes a usage error (exit 2).
      if (err instanceof MockOptionError) {
        throw new UsageError(err.message, err.hint, { cause: err });
      }
      // A taken port arrives here too: "cannot listen on HOST:PORT: EADDRINUSE — ... --port 0 ...".
      throw err;
    });
    if (opts.login) {
      try {
        await writeMockProfile(ctx, server, opts.profile ?? "mock");
      } catch (err) {
        await server.close();
        throw err;
      }
    }
    // The profile is on disk before the banner (or identity line) says the mock is ready.
    ctx.io.stdout.write(formatIdentity(server, { json: Boolean(opts.json), faults: opts.faults }));
    if (!isLoopback(opts.host) && opts.host !== "localhost") {
      ctx.warn(
        `grc mock: listening on ${opts.host}: other machines can reach the mock and use its demo keys (/__mock stays loopback-only)`,
      );
    }
    if (!ctx.signal.aborted) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    }
    await server.close();
    if (!opts.json) ctx.warn("grc mock: stopped");
    return 0;
  },
});

/**
 * `--login`: stores the mock's Sovereign identity in a profile through the same store and
 * rules as `grc auth login` (0600 file, active when no profile is). Prints no key.
 */
async function writeMockProfile(
  ctx: CommandContext,
  server: MockServer,
  name: string,
): Promise<void> {
  const [{ openStore }, { applyLogin }] = await Promise.all([
    import("../config/open-store.js"),
    import("../../core/config/login.js"),
  ]);
  const store = await openStore(ctx);
  let active = false;
  await store.update((d) => {
    active = applyLogin(d, {
      profile: name,
      platform: "sovereign",
      baseUrl: server.baseUrl,
      orgId: server.identity.orgId,
      credential: { kind: "bearer", apiKey: server.identity.apiKey },
      insecure: false,
      caCert: undefined,
    });
  });
  ctx.warn(
    `grc mock: wrote profile "${name}" (${server.baseUrl}, org ${server.identity.orgId}, the demo API key) to ${store.path}${active ? "; it is the active profile" : `; use it with --profile ${name} or \`grc config use ${name}\``}`,
  );
}
