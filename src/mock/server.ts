import { randomInt } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { MockOptionError } from "./errors.js";
import {
  createFaultInjector,
  type FaultInjector,
  type FaultKind,
  formatFaultSpec,
  parseFaultSpec,
} from "./faults.js";
import { demoIdentity } from "./identity.js";
import { createSovereignPlatform, DEFAULT_MAX_SIZE } from "./sovereign.js";
import { type LoggedRequest, MockClock, RequestLog } from "./state.js";
import { BuiltinObjectStore, type ObjectStore, type StoredObject } from "./storage.js";
import { createStorageOrigin } from "./storage-server.js";
import type {
  MockIdentity,
  MockPlatform,
  MockReply,
  MockRequest,
  MockRouterContext,
  MockServerOptions,
} from "./types.js";

/**
 * The embedded mock: one API origin that composes the platform routers (Sovereign evidence,
 * Evident JSON:API, StrataGRC) and one storage origin on its own port for presigned URLs.
 * Plain node:http; faults, latency and the request log are applied here, once, for every
 * platform. This is the only file that composes the platforms.
 */

/** Platform routers the server can load. */
export type PlatformName = MockPlatform["name"];

/** Options of startMockServer beyond the CLI flags (tests). */
export interface StartMockOptions extends MockServerOptions {
  /** Which platforms to compose (default all three). */
  platforms?: readonly PlatformName[];
  /** Called for every answered request, as the log records it (no credentials, no storage query). */
  onRequest?: (entry: LoggedRequest) => void;
}

/** What GET /__mock/state returns. */
export interface MockStateSnapshot {
  objects: StoredObject[];
  lineage: unknown[];
  evidence: unknown[];
  requests: LoggedRequest[];
  requests_dropped: number;
  faults: { spec: string; seed: number; api: object; storage: object };
  clock: { now: string; offset_ms: number };
  platforms: string[];
  strata: unknown;
  evident: unknown;
}

/** A running mock. */
export interface MockServer {
  /** API origin, e.g. "http://127.0.0.1:43121". */
  baseUrl: string;
  /** Storage origin ("" with storage off; the S3 endpoint with --s3-endpoint). */
  storageUrl: string;
  identity: MockIdentity;
  /** The fault seed in use (random unless given), so a run can be replayed. */
  faultSeed: number;
  /** Platforms that were composed. */
  platforms: PlatformName[];
  /** What GET /__mock/state would return. */
  state(): MockStateSnapshot;
  /** Stops both origins and removes the temporary object store. */
  close(): Promise<void>;
}

/**
 * Largest API request bodies the mock reads, held in memory: JSON (and the form-encoded
 * Evident search) is small, 1 MiB is plenty; a StrataGRC case-evidence upload is a file in a
 * multipart body, allowed up to 256 MiB (a 200 MB file works). Anything larger gets 413 without being read.
 */
const API_BODY_LIMIT = 1024 * 1024;
const MULTIPART_BODY_LIMIT = 256 * 1024 * 1024;

/** The body limit for a request, by its Content-Type. */
function bodyLimit(contentType: string | undefined): number {
  return /^\s*multipart\/form-data\b/i.test(contentType ?? "")
    ? MULTIPART_BODY_LIMIT
    : API_BODY_LIMIT;
}

/** True for 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  return a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

function originOf(host: string, port: number): string {
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new MockOptionError(
          `cannot listen on ${host}:${port}: ${err.code ?? err.message}`,
          err.code === "EADDRINUSE" ? "pick another port, or --port 0 for any free one" : undefined,
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Reads an API request body. With a Content-Length the bytes are copied into one buffer of
 * that size as they arrive, so a large multipart upload is held once, not twice (chunks +
 * concatenation). Resolves undefined when the body exceeds `limit`.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isSafeInteger(declared) && declared > limit) {
      req.resume();
      resolve(undefined);
      return;
    }
    const fixed =
      Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size + chunk.length > (fixed ? fixed.length : limit)) {
        resolve(undefined);
        req.destroy();
        return;
      }
      if (fixed) chunk.copy(fixed, size);
      else chunks.push(chunk);
      size += chunk.length;
    });
    req.on("end", () => resolve(fixed ? fixed.subarray(0, size) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** An injected API error, shaped like the platform whose path was called. */
function faultReply(kind: "429" | "500" | "503", path: string, now: Date): MockReply {
  const status = Number(kind);
  const titles = {
    "429": "Request limit exceeded. Please try again later.",
    "500": "Internal Server Error",
    "503": "Service Unavailable",
  } as const;
  const headers: Record<string, string> = {};
  if (status !== 500) headers["Retry-After"] = "0";
  if (path.startsWith("/api/v2/")) {
    if (status === 429) {
      headers["X-RateLimit-Limit"] = "0";
      headers["X-RateLimit-Remaining"] = "0";
      headers["X-RateLimit-Reset"] = now.toISOString();
    }
    return {
      status,
      headers: { ...headers, "Content-Type": "application/vnd.api+json" },
      body: JSON.stringify({ errors: [{ status: kind, title: titles[kind] }] }),
    };
  }
  if (path.startsWith("/strata/")) {
    return {
      status,
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({
        success: false,
        error: {
          code: "SERVER_ERROR",
          message: status === 429 ? "Too many requests, try again later" : titles[kind],
        },
      }),
    };
  }
  return {
    status,
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ detail: titles[kind] }),
  };
}

/**
 * The server-level rate limit (`--rate-limit N/window`): a fixed window per credential (the
 * Bearer key, APIAuth key id or session: a platform limits an account, so every process
 * using one key shares it), on the server clock. Every answer carries X-RateLimit-Limit,
 * -Remaining and -Reset (ISO 8601, whole seconds rounded up, as seed 004 describes them);
 * a request over the limit gets 429 with Retry-After and never reaches a platform. Evident
 * paths (/api/v2/) are left to the Evident router, which applies the same numbers itself.
 */
class ServerRateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(readonly config: { limit: number; windowMs: number }) {}

  clear(): void {
    this.windows.clear();
  }

  take(
    req: IncomingMessage,
    now: number,
  ): { allowed: boolean; retryAfterS: number; headers: Record<string, string> } {
    const auth = req.headers.authorization?.trim() ?? "";
    const key = auth
      ? `auth:${auth.replace(/^APIAuth(-HMAC-SHA256)? ([^:]+):.*$/, "apiauth:$2")}`
      : `cookie:${req.headers.cookie ?? ""}`;
    let w = this.windows.get(key);
    if (!w || now >= w.start + this.config.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count += 1;
    const reset = Math.ceil((w.start + this.config.windowMs) / 1000) * 1000;
    return {
      allowed: w.count <= this.config.limit,
      retryAfterS: Math.max(1, Math.ceil((reset - now) / 1000)),
      headers: {
        "X-RateLimit-Limit": String(this.config.limit),
        "X-RateLimit-Remaining": String(Math.max(0, this.config.limit - w.count)),
        "X-RateLimit-Reset": new Date(reset).toISOString().replace(".000Z", "Z"),
      },
    };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Starts the mock: API and storage origins on 127.0.0.1 (port 0 = any free port by default). */
export async function startMockServer(options: StartMockOptions = {}): Promise<MockServer> {
  const host = options.host ?? "127.0.0.1";
  const identity = demoIdentity;
  const clock = new MockClock();
  const log = new RequestLog(options.onRequest);
  const spec = parseFaultSpec(options.faults);
  const faultSeed = options.faultSeed ?? randomInt(1, 2 ** 31 - 1);
  const apiFaults: FaultInjector = createFaultInjector("api", spec, faultSeed);
  const storageFaults: FaultInjector = createFaultInjector("storage", spec, faultSeed);
  const slowMs = options.slowMs ?? 2000;
  const latencyMs = options.latencyMs ?? 0;
  const wanted = new Set<PlatformName>(options.platforms ?? ["sovereign", "evident", "strata"]);
  // Only when asked for: by default the Sovereign and StrataGRC routes are not limited.
  const rateLimit = options.rateLimit ? new ServerRateLimit(options.rateLimit) : undefined;

  let baseUrl = "";
  let storageUrl = "";
  const servers: Server[] = [];
  let store: ObjectStore | undefined;
  let builtin: BuiltinObjectStore | undefined;

  const close = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    await store?.close();
  };

  try {
    if (options.storage !== false && options.s3) {
      const { createS3ObjectStore } = await import("./storage-s3.js");
      store = createS3ObjectStore(options.s3);
      storageUrl = options.s3.endpoint.replace(/\/+$/, "");
    } else if (options.storage !== false) {
      builtin = new BuiltinObjectStore(() => storageUrl, options.objectsDir);
      store = builtin;
      const brokenSockets = new WeakSet<Socket>();
      const origin = createStorageOrigin({
        store: builtin,
        faults: storageFaults,
        log,
        clock,
        maxSize: options.maxSize ?? DEFAULT_MAX_SIZE,
        slowMs,
        bodyTimeoutMs: options.bodyTimeoutMs ?? 20_000,
        brokenSockets,
      });
      const storageServer = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 });
      const run = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
        origin(req, res, expectsContinue).catch(() => {
          if (!res.headersSent) res.writeHead(500).end();
          else res.destroy();
        });
      };
      storageServer.on("request", (req, res) => run(req, res, false));
      storageServer.on("checkContinue", (req, res) => run(req, res, true));
      storageServer.on("clientError", (_err, socket: Socket) => {
        // Bytes the parser rejects (e.g. more body than Content-Length): the upload is void.
        brokenSockets.add(socket);
        if (socket.writable) {
          socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        } else {
          socket.destroy();
        }
      });
      servers.push(storageServer);
      const port = await listen(storageServer, host, options.storagePort ?? 0);
      storageUrl = originOf(host, port);
    }

    const ctx: MockRouterContext = {
      identity,
      options,
      now: () => clock.now(),
      baseUrl: () => baseUrl,
      storageUrl: () => storageUrl,
    };
    const platforms: MockPlatform[] = [];
    if (wanted.has("sovereign")) platforms.push(createSovereignPlatform(ctx, store));
    // Loaded only when wanted: a test of one platform does not pay for the others' fixtures.
    if (wanted.has("evident")) {
      const { createEvidentPlatform } = await import("./evident.js");
      platforms.push(createEvidentPlatform(ctx));
    }
    if (wanted.has("strata")) {
      const { createStrataPlatform } = await import("./strata.js");
      platforms.push(createStrataPlatform(ctx) as MockPlatform);
    }
    const platform = (name: PlatformName) => platforms.find((p) => p.name === name);

    const state = (): MockStateSnapshot => {
      const sovereign = (platform("sovereign")?.snapshot?.() ?? {}) as {
        lineage?: unknown[];
        evidence?: unknown[];
      };
      return {
        objects: store?.list() ?? [],
        lineage: sovereign.lineage ?? [],
        evidence: sovereign.evidence ?? [],
        requests: log.list(),
        requests_dropped: log.droppedCount,
        faults: {
          spec: formatFaultSpec(apiFaults.spec),
          seed: faultSeed,
          api: apiFaults.counts(),
          storage: storageFaults.counts(),
        },
        clock: { now: clock.now().toISOString(), offset_ms: clock.offset },
        platforms: platforms.map((p) => p.name),
        strata: platform("strata")?.snapshot?.() ?? null,
        evident: platform("evident")?.snapshot?.() ?? null,
      };
    };

    const control = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (!isLoopback(req.socket.remoteAddress)) {
        return sendJson(res, 403, { detail: "the /__mock endpoints answer loopback clients only" });
      }
      const route = `${req.method} ${url.pathname}`;
      if (route === "GET /__mock/state") return sendJson(res, 200, state());
      if (route === "POST /__mock/reset") {
        await store?.clear();
        for (const p of platforms) p.reset?.();
        rateLimit?.clear();
        log.clear();
        clock.setOffset(0);
        for (const f of [apiFaults, storageFaults]) {
          f.configure(f.spec);
          f.clearCounts();
        }
        return sendJson(res, 200, { reset: true });
      }
      if (url.pathname === "/__mock/clock" && (req.method === "POST" || req.method === "GET")) {
        if (req.method === "POST") {
          const offset = Number(url.searchParams.get("offset_ms") ?? "0");
          if (!Number.isFinite(offset)) {
            return sendJson(res, 422, { detail: "offset_ms must be a number of milliseconds" });
          }
          clock.setOffset(offset);
        }
        return sendJson(res, 200, { now: clock.now().toISOString(), offset_ms: clock.offset });
      }
      if (route === "POST /__mock/faults") {
        let next: ReturnType<typeof parseFaultSpec>;
        try {
          next = parseFaultSpec(url.searchParams.get("spec") ?? "");
        } catch (err) {
          return sendJson(res, 422, { detail: (err as Error).message });
        }
        const seedText = url.searchParams.get("seed");
        const seed = seedText === null ? faultSeed : Number(seedText);
        apiFaults.configure(next, seed);
        storageFaults.configure(next, seed);
        return sendJson(res, 200, { spec: formatFaultSpec(next), seed });
      }
      return sendJson(res, 404, { detail: "Not Found" });
    };

    const handleApi = async (req: IncomingMessage, res: ServerResponse) => {
      const rawUrl = req.url ?? "/";
      const url = new URL(rawUrl, baseUrl);
      if (url.pathname.startsWith("/__mock/")) return control(req, res, url);
      const method = req.method ?? "GET";
      const lengthHeader = req.headers["content-length"];
      const limited = url.pathname.startsWith("/api/v2/")
        ? undefined
        : rateLimit?.take(req, clock.now().getTime());
      // A request over the rate limit draws no fault: it never reaches the platform.
      let fault: FaultKind | undefined =
        limited?.allowed === false ? undefined : apiFaults.decide();
      const record = (status: number) =>
        log.add({
          origin: "api",
          method,
          path: url.pathname,
          query: url.search.replace(/^\?/, ""),
          status,
          authorization: req.headers.authorization !== undefined,
          cookie: req.headers.cookie !== undefined,
          content_type: req.headers["content-type"] ?? null,
          content_length: lengthHeader === undefined ? null : Number(lengthHeader),
          fault: fault ?? null,
          time: clock.now().toISOString(),
        });
      if (fault === "reset") {
        // Decided before the handler: the request never reaches a platform.
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": 4096 });
        res.write('{"data":[');
        record(0);
        req.socket.destroy();
        return;
      }
      let reply: MockReply | undefined;
      if (limited?.allowed === false) {
        const over = faultReply("429", url.pathname, clock.now());
        reply = {
          ...over,
          headers: { ...over.headers, "Retry-After": String(limited.retryAfterS) },
        };
        req.resume();
      } else if (fault === "429" || fault === "500" || fault === "503") {
        reply = faultReply(fault, url.pathname, clock.now());
        req.resume();
      } else {
        if (fault === "slow") await sleep(slowMs);
        else fault = undefined;
        const body = await readBody(req, bodyLimit(req.headers["content-type"]));
        if (body === undefined) {
          reply = {
            status: 413,
            headers: { "Content-Type": "application/json", Connection: "close" },
            body: JSON.stringify({ detail: "request body too large for the mock" }),
          };
        } else {
          const mockReq: MockRequest = {
            method,
            rawUrl,
            url,
            headers: req.headers,
            body,
            loopback: isLoopback(req.socket.remoteAddress),
          };
          for (const p of platforms) {
            reply = await p.handle(mockReq);
            if (reply) break;
          }
          reply ??= {
            status: 404,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ detail: "Not Found" }),
          };
        }
      }
      if (latencyMs > 0) await sleep(latencyMs);
      const payload =
        reply.body === undefined
          ? Buffer.alloc(0)
          : typeof reply.body === "string"
            ? Buffer.from(reply.body)
            : reply.body;
      // The Date header follows the mock's (shiftable) clock, so a client can tell that
      // its own clock is off, as it would against a real server.
      res.writeHead(reply.status, {
        Date: clock.now().toUTCString(),
        ...limited?.headers,
        ...reply.headers,
        "Content-Length": payload.length,
      });
      res.end(method === "HEAD" ? undefined : payload);
      record(reply.status);
    };

    const apiServer = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      handleApi(req, res).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendJson(res, 500, {
          detail: `mock server error: ${err instanceof Error ? err.message : String(err)}`,
        });
      });
    });
    servers.push(apiServer);
    const apiPort = await listen(apiServer, host, options.port ?? 0);
    baseUrl = originOf(host, apiPort);

    return {
      baseUrl,
      storageUrl,
      identity,
      faultSeed,
      platforms: platforms.map((p) => p.name),
      state,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
