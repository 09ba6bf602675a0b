import type { IncomingHttpHeaders } from "node:http";

/** The mock's demo identity (printed by `grc mock serve`). */
export interface MockIdentity {
  orgId: string;
  /** Key with write:* and read:*. */
  apiKey: string;
  /** Key with read:evidence only. */
  readOnlyApiKey: string;
  /** Key whose user belongs to no organization. */
  noOrgApiKey: string;
  hmacKeyId: string;
  hmacSecret: string;
  /** StrataGRC session cookie value (sent as `Cookie: session=<value>`). */
  session: string;
}

/** An API request as a platform router sees it: body already read (API bodies are small). */
export interface MockRequest {
  method: string;
  /** Path plus query exactly as received (APIAuth verifies these bytes). */
  rawUrl: string;
  /** Parsed URL (origin = the mock's base URL). */
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True when the peer is on loopback (the /__mock endpoints require it). */
  loopback: boolean;
}

/** A reply a router returns; the server adds faults, latency and the request log. */
export interface MockReply {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}

/** A platform router: returns undefined when the path is not its own. */
export type MockRouter = (
  req: MockRequest,
) => Promise<MockReply | undefined> | MockReply | undefined;

/** The answer dialects of the mock. */
export type MockDialect = "full" | "minimal";

/** Options of the mock server (flags of `grc mock serve`). */
export interface MockServerOptions {
  /**
   * How much the mock says: "full" (default) adds conveniences the platform documents do not
   * promise; "minimal" answers with only what the documents promise.
   */
  dialect?: MockDialect;
  host?: string;
  /** API port (0 = any free port). */
  port?: number;
  /** Storage port (0 = any free port). */
  storagePort?: number;
  /** Fixture folder (default: the package's fixtures/). */
  dataDir?: string;
  /** Fault spec, e.g. "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05". */
  faults?: string;
  faultSeed?: number;
  /** Added delay per API response, in ms. */
  latencyMs?: number;
  /** false = storage not configured (upload-url and verify answer 503). */
  storage?: boolean;
  /** Real S3-compatible storage instead of the built-in store. */
  s3?: {
    endpoint: string;
    bucket: string;
    region?: string;
    /** Credentials (the command takes them from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN). */
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
  };
  /**
   * Rate limit per credential: requests per window. Evident applies it to its routes (default
   * generous: 10,000 per 60 s); set, the server applies it to every other API route too.
   */
  rateLimit?: { limit: number; windowMs: number };
  /** Generate this many alerts (deterministically) instead of the fixture count (benchmarks). */
  alerts?: number;
  /**
   * Date the Evident fixtures relative to the server's start day: every date-time attribute
   * moves by the same whole number of days so that the newest alert is from the day before
   * (`grc alerts list --since 7d` finds some). Deterministic for a given start day. Default
   * false here (tests compare against the fixture files); `grc mock serve` turns it on.
   */
  relativeDates?: boolean;
  /** Presigned URL lifetime in seconds (default 900). */
  uploadUrlTtlSeconds?: number;
  /** Largest object upload-url allows, in bytes (default 5 GiB). */
  maxSize?: number;
  /**
   * Where the built-in store keeps uploaded objects: a directory (kept after close), or
   * "memory". Default: a fresh temp directory removed on close.
   */
  objectsDir?: string;
  /** How long a `slow` fault stalls a response, in ms (default 2000). */
  slowMs?: number;
  /** Storage gives up on a PUT body that stops arriving for this long, in ms (default 20000). */
  bodyTimeoutMs?: number;
}

/** What a platform router gets from the server. */
export interface MockRouterContext {
  identity: MockIdentity;
  options: MockServerOptions;
  /** The server clock (tests may shift it). */
  now(): Date;
  /** The API origin, e.g. "http://127.0.0.1:4010" (for links). */
  baseUrl(): string;
  /** The storage origin (for presigned URLs). */
  storageUrl(): string;
}

/** One platform's part of the mock. */
export interface MockPlatform {
  name: "sovereign" | "evident" | "strata";
  handle: MockRouter;
  /** What GET /__mock/state shows of this platform. */
  snapshot?(): unknown;
  /** Forget everything written since start (POST /__mock/reset). */
  reset?(): void;
}
