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
