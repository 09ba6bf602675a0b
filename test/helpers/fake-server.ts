import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach } from "vitest";

/**
 * The one loopback fake server of the unit tests, after GitHub CLI's pkg/httpmock: a test
 * stubs the routes it expects (method + path, optionally a query matcher), the server records
 * every request as it reached the wire, and `verify()` fails the test when a request matched
 * no stub or a stub was never called. `useFakeServer()` starts one per test on 127.0.0.1
 * (port 0) and verifies and closes it after the test.
 */

/** One request as the server received it: the bytes that reached the wire. */
export interface RecordedRequest {
  method: string;
  /** Path with the query, exactly as sent (`/a/b?x=1`). */
  url: string;
  /** Path without the query, percent-decoding left as sent. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

/** What a stub answers. A `body` object or array is sent as JSON; a string or Buffer as is. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A reply, or a function of the request that writes one (or takes `res` over entirely). */
export type Responder =
  | Reply
  | ((
      req: RecordedRequest,
      res: ServerResponse,
      raw: IncomingMessage,
      // A Reply, or anything at all from a handler that wrote `res` itself.
    ) => unknown);

/** How often a stub answers, and whether verify() requires it to. */
export interface StubOptions {
  times?: number;
  optional?: boolean;
}

/** Which requests a stub answers. */
export interface Matcher {
  /** A method, or "*" for any. */
  method: string;
  /** Exact path (no query), or a pattern tested against the path. */
  path: string | RegExp;
  /** Every pair must be in the query (exact values), or a predicate over the query. */
  query?: Record<string, string> | ((query: URLSearchParams) => boolean);
}

interface Stub {
  matcher: Matcher;
  responder: Responder;
  /** How many requests it may answer (Infinity: any number, at least one). */
  times: number;
  /** verify() does not require a call (a catch-all for a test asserting no request). */
  optional: boolean;
  calls: number;
}

function describeMatcher(m: Matcher): string {
  const q =
    typeof m.query === "function"
      ? " ?<predicate>"
      : m.query
        ? ` ?${new URLSearchParams(m.query).toString()}`
        : "";
  return `${m.method} ${String(m.path)}${q}`;
}

function matches(m: Matcher, req: RecordedRequest): boolean {
  if (m.method !== "*" && m.method.toUpperCase() !== req.method) return false;
  if (typeof m.path === "string" ? m.path !== req.path : !m.path.test(req.path)) return false;
  if (typeof m.query === "function") return m.query(req.query);
  if (m.query) return Object.entries(m.query).every(([k, v]) => req.query.get(k) === v);
  return true;
}

/** JSON reply helper: `json(200, {...})`. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { "content-type": "application/json", ...headers } };
}

export class FakeServer {
  /** Every request received, matched or not, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Requests no stub matched (answered 501). */
  readonly unmatched: RecordedRequest[] = [];
  private readonly stubs: Stub[] = [];
  private http: Server | undefined;
  private origin_ = "";

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    return this.origin_;
  }

  /** Same as `url` (the server has no base path). */
  get origin(): string {
    return this.origin_;
  }

  get port(): number {
    return Number(new URL(this.origin_).port);
  }

  /** The node:http server (tests of connection handling). */
  get server(): Server {
    if (!this.http) throw new Error("fake server: not started");
    return this.http;
  }

  /**
   * Stubs a route. By default it answers any number of matching requests but must be called
   * at least once; `{ times: n }` answers exactly the next n (a later stub for the same route
   * then takes over, as httpmock's one-shot stubs do).
   */
  on(matcher: Matcher, responder: Responder, opts: StubOptions = {}): this {
    this.stubs.push({
      matcher,
      responder,
      times: opts.times ?? Number.POSITIVE_INFINITY,
      optional: opts.optional ?? false,
      calls: 0,
    });
    return this;
  }

  /**
   * One handler for every request (a test of the HTTP client itself, where method and path
   * are what is under test). verify() still fails when it was never called, unless optional.
   */
  any(responder: Responder, opts: StubOptions = {}): this {
    return this.on({ method: "*", path: /^/ }, responder, opts);
  }

  get(path: Matcher["path"], responder: Responder, opts?: StubOptions): this {
    return this.on({ method: "GET", path }, responder, opts);
  }

  post(path: Matcher["path"], responder: Responder, opts?: StubOptions): this {
    return this.on({ method: "POST", path }, responder, opts);
  }

  put(path: Matcher["path"], responder: Responder, opts?: StubOptions): this {
    return this.on({ method: "PUT", path }, responder, opts);
  }

  /** The recorded requests of one method and path (query ignored). */
  calls(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => matches({ method, path }, r));
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.http = server;
    this.origin_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * Throws when a request matched no stub, or a stub was never called (or called fewer times
   * than its `times`): the test expected a conversation that did not happen.
   */
  verify(): void {
    const problems: string[] = [];
    for (const r of this.unmatched) problems.push(`unexpected request ${r.method} ${r.url}`);
    for (const s of this.stubs) {
      if (s.calls === 0 && !s.optional) {
        problems.push(`stub never called: ${describeMatcher(s.matcher)}`);
      } else if (Number.isFinite(s.times) && s.calls < s.times) {
        problems.push(`stub called ${s.calls} of ${s.times} times: ${describeMatcher(s.matcher)}`);
      }
    }
    if (problems.length > 0) throw new Error(`fake server: ${problems.join("; ")}`);
  }

  async close(): Promise<void> {
    const server = this.http;
    if (!server) return;
    this.http = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const body = Buffer.concat(chunks);
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url,
        path: q >= 0 ? url.slice(0, q) : url,
        query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ""),
        headers: req.headers,
        body,
        text: () => body.toString("utf8"),
        json: <T>() => JSON.parse(body.toString("utf8")) as T,
      };
      this.requests.push(recorded);
      const stub = this.stubs.find((s) => s.calls < s.times && matches(s.matcher, recorded));
      if (!stub) {
        this.unmatched.push(recorded);
        res.writeHead(501, { "content-type": "text/plain" });
        res.end(`fake server: no stub for ${recorded.method} ${recorded.url}`);
        return;
      }
      stub.calls += 1;
      Promise.resolve(
        typeof stub.responder === "function" ? stub.responder(recorded, res, req) : stub.responder,
      )
        .then((reply) => {
          // A handler that wrote `res` itself may return anything (even `res`).
          if (res.headersSent || res.writableEnded || typeof reply !== "object" || !reply) return;
          send(res, reply as Reply);
        })
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(599, { "content-type": "text/plain" });
          res.end(String(err));
        });
    });
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const { status = 200, headers = {}, body } = reply;
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  const hasType = Object.keys(headers).some((k) => k.toLowerCase() === "content-type");
  res.writeHead(status, hasType ? headers : { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Starts a fake server (close and verify it yourself). */
export async function startFakeServer(): Promise<FakeServer> {
  return new FakeServer().start();
}

/**
 * A fresh fake server for each test of the file (call at its top level): started before each
 * test, verified and closed after it. A test that expects a stub to go uncalled says so by not
 * registering it.
 */
export function useFakeServer(): () => FakeServer {
  let current: FakeServer | undefined;
  beforeEach(async () => {
    current = await startFakeServer();
  });
  afterEach(async () => {
    const s = current;
    current = undefined;
    if (!s) return;
    try {
      s.verify();
    } finally {
      await s.close();
    }
  });
  return () => {
    if (!current) throw new Error("useFakeServer: only inside a test");
    return current;
  };
}

/** Sends a JSON body with a status and extra headers (for responders that write `res`). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** Records sleeps instead of waiting (the HTTP client's injectable sleep). */
export function fakeSleep(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
}

/**
 * For tests of the HTTP client itself (call at a file's top level): `server(handler)` starts a
 * fake server whose one catch-all stub is `handler`, verified and closed after the test;
 * `defer` queues other cleanups, run newest first.
 */
export function fakeServers(): {
  defer: (...closes: (() => Promise<void> | void)[]) => void;
  server: (handler: Responder, opts?: StubOptions) => Promise<FakeServer>;
} {
  const closes: (() => Promise<void> | void)[] = [];
  const started: FakeServer[] = [];
  afterEach(async () => {
    const servers = started.splice(0);
    try {
      while (closes.length) await closes.pop()!();
      for (const s of servers) s.verify();
    } finally {
      for (const s of servers) await s.close();
    }
  });
  return {
    defer: (...more) => {
      closes.push(...more);
    },
    async server(handler, opts) {
      const s = await startFakeServer();
      s.any(handler, opts);
      started.push(s);
      return s;
    },
  };
}
