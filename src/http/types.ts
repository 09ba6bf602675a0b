import type { Readable } from "node:stream";

/** A body the client can send more than once: a factory is called again for each attempt. */
export type RequestBody = string | Uint8Array | (() => Readable);

/** One request to a platform API. */
export interface ApiRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";
  /**
   * Path plus query string exactly as it goes on the wire, relative to the profile's base
   * URL ("/api/v2/alerts?page%5Bnumber%5D=2"); APIAuth signs these bytes. An absolute URL
   * is accepted only on the base URL's origin (pagination links).
   */
  path: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Length of a stream body (required with a factory body: storage refuses chunked bodies). */
  contentLength?: number;
  /**
   * A request with a body is retried only when repeating it is safe. GET/HEAD/PUT/DELETE
   * are idempotent by HTTP; set this for a POST the server treats as idempotent.
   */
  idempotent?: boolean;
  /** Override the client's retry count for this request (1 = no retry). */
  attempts?: number;
  /**
   * Tells a retryable status (503, ...) that repeating cannot fix apart from a passing one,
   * e.g. Sovereign's 503 "object storage is not configured". True = fail at once.
   */
  permanentFailure?: (status: number, body: Buffer) => boolean;
  signal?: AbortSignal;
}

/** A fully read response (2xx, or any status when `throwOnError: false`). */
export interface ApiResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Final URL (after any same-origin redirect). */
  url: string;
  body: Buffer;
  text(): string;
  /** Parses the body as JSON; throws a one-line UnavailableError naming the URL when it is not. */
  json<T = unknown>(): T;
}

/** The one signed client every platform module uses. */
export interface ApiClient {
  readonly baseUrl: string;
  /**
   * Sends a signed request with retries; resolves on 2xx, throws HttpError (decoded,
   * one line) otherwise, or UnavailableError on network failure after retries.
   */
  request(req: ApiRequest): Promise<ApiResponse>;
  /** Like request, but resolves with any status instead of throwing on non-2xx (no retry on 4xx still). */
  send(req: ApiRequest): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** A request to a presigned storage URL: never carries platform credentials. */
export interface StorageRequest {
  method: "PUT" | "GET" | "HEAD";
  url: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  contentLength?: number;
  signal?: AbortSignal;
}

/** A storage response whose body is a stream (downloads) or already read (errors). */
export interface StorageResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as a stream; read or destroy it. */
  body: Readable;
}

/** Client for presigned object-storage URLs (no credentials, its own keep-alive pools). */
export interface StorageClient {
  /**
   * Sends one request. Retries network errors, 5xx and 429 (re-creating a factory body);
   * a 403 is returned, never retried, so the caller can tell "Request has expired" apart.
   */
  request(req: StorageRequest): Promise<StorageResponse>;
  close(): Promise<void>;
}

/** Options that shape a client (from the resolved profile and global flags). */
export interface ClientOptions {
  baseUrl: string;
  credential: import("../core/config/types.js").Credential;
  /** Total attempts per request including the first (default 5). */
  retries?: number;
  /** Connect timeout in ms (default 10s). */
  connectTimeoutMs?: number;
  /** Headers + body timeout in ms (default 60s API, 300s storage). */
  timeoutMs?: number;
  /** PEM file of extra CA certificates (self-hosted storage, TLS proxies). */
  caCert?: string;
  /** Sink for --debug trace lines (already redacted). */
  debug?: (line: string) => void;
  /** Sink for user-facing notices such as "rate limited, waiting 12s" (stderr). */
  notice?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Clock for APIAuth Date and retry waits (tests). */
  now?: () => Date;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  userAgent?: string;
  /** Organization sent as X-Organization-Id with a session-cookie credential (StrataGRC). */
  orgId?: string;
  /** Allow plain http to a non-loopback host (profile `insecure`, --insecure). */
  insecure?: boolean;
  /**
   * Retries one client may spend across all its requests (default 100), or a budget shared
   * with other clients (the CLI gives the API and storage clients of one run the same one).
   */
  retryBudget?: number | import("./retry-budget.js").RetryBudget;
  /** Random source for backoff jitter (tests). */
  random?: () => number;
  /**
   * The run's signal for work in flight: every request, wait and body read of this client
   * ends when it aborts (after a stop signal's grace, or --max-time), whatever the caller passed.
   */
  signal?: AbortSignal | undefined;
}
