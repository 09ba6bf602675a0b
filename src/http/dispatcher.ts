import { readFileSync } from "node:fs";
import type { SecureContext } from "node:tls";
import { UsageError } from "../errors.js";
import { redactUrl } from "./redact.js";
import { Agent, buildConnector, type Dispatcher, EnvHttpProxyAgent } from "./undici.js";

/**
 * The connection layer: one undici Agent (keep-alive pool per origin) with connect and
 * per-phase timeouts, extra CA certificates, and HTTPS_PROXY/HTTP_PROXY/NO_PROXY taken from
 * the environment the CLI hands in (never from `process`).
 */

/** How to build a dispatcher. */
export interface DispatcherOptions {
  env: NodeJS.ProcessEnv;
  connectTimeoutMs: number;
  /** Time allowed for response headers, and between body chunks. */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** --ca-cert: PEM file of extra CA certificates. */
  caCert?: string | undefined;
  debug?: ((line: string) => void) | undefined;
}

/** Hosts never sent through a proxy: the embedded mock and local servers stay reachable behind a corporate proxy. */
const LOOPBACK_NO_PROXY = "localhost,127.0.0.1,[::1]";

function readPem(file: string, source: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new UsageError(
      `cannot read CA certificate file ${file} (${code})`,
      `check ${source}: it must name a readable PEM file`,
      { cause: err },
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(
      `CA certificate file ${file} holds no PEM certificate`,
      `check ${source}: it must contain "-----BEGIN CERTIFICATE-----" blocks`,
    );
  }
  return text;
}

/**
 * A TLS context trusting the default roots plus NODE_EXTRA_CA_CERTS and --ca-cert, or
 * undefined when neither is set (Node's defaults apply). Passing `ca` replaces the roots,
 * so the defaults are added back explicitly.
 */
export function trustedCaContext(
  env: NodeJS.ProcessEnv,
  caCert?: string,
): SecureContext | undefined {
  const extra = extraCaPems(env, caCert);
  return extra ? caContext(extra) : undefined;
}

/** The PEM texts of NODE_EXTRA_CA_CERTS and --ca-cert (read and checked now), or undefined. */
function extraCaPems(env: NodeJS.ProcessEnv, caCert?: string): string[] | undefined {
  const extra: string[] = [];
  if (env.NODE_EXTRA_CA_CERTS) extra.push(readPem(env.NODE_EXTRA_CA_CERTS, "NODE_EXTRA_CA_CERTS"));
  if (caCert) extra.push(readPem(caCert, "--ca-cert (or the profile's ca_cert)"));
  return extra.length > 0 ? extra : undefined;
}

/**
 * Parsing the ~150 default roots plus the extra ones costs 40-200 ms: done only for TLS. So is
 * loading node:tls (plain http to a local server never needs it).
 */
function caContext(extra: string[]): SecureContext {
  const { createSecureContext, rootCertificates } = process.getBuiltinModule("node:tls");
  return createSecureContext({ ca: [...rootCertificates, ...extra] });
}

/**
 * The connect option of a direct Agent: plain http never builds a TLS context; the first
 * https connection builds the one trusting the extra CAs, and later ones reuse it.
 */
function directConnect(
  timeout: number,
  extra: string[] | undefined,
): buildConnector.BuildOptions | buildConnector.connector {
  if (!extra) return { timeout };
  const plain = buildConnector({ timeout });
  let tls: buildConnector.connector | undefined;
  return (options, callback) => {
    if (options.protocol !== "https:") return plain(options, callback);
    tls ??= buildConnector({ timeout, secureContext: caContext(extra) });
    return tls(options, callback);
  };
}

function proxyFromEnv(env: NodeJS.ProcessEnv, name: "http" | "https"): string | undefined {
  const value = env[`${name}_proxy`] ?? env[`${name.toUpperCase()}_PROXY`];
  if (!value) return undefined;
  try {
    const u = new URL(value);
    if (!/^(https?|socks5?):$/.test(u.protocol)) throw new Error("scheme");
  } catch {
    throw new UsageError(
      `${name.toUpperCase()}_PROXY is not a valid proxy URL: ${redactUrl(value)}`,
      "set it to http://host:port (or unset it)",
    );
  }
  return value;
}

/**
 * Most connections kept to one origin: the largest `--concurrency` (push, apply, case upload).
 * A pool opens a connection only when a request waits for one, so this is a ceiling, not what
 * a run opens: the commands' own limits (files or pages in flight) decide that.
 */
export const MAX_CONNECTIONS_PER_ORIGIN = 256;

/** Creates the dispatcher a client sends through (close it when done). */
export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const extra = extraCaPems(opts.env, opts.caCert);
  const agentOptions = {
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
    keepAliveTimeout: 10_000,
    connections: MAX_CONNECTIONS_PER_ORIGIN,
  };
  const httpProxy = proxyFromEnv(opts.env, "http");
  const httpsProxy = proxyFromEnv(opts.env, "https");
  if (!httpProxy && !httpsProxy) {
    return new Agent({ ...agentOptions, connect: directConnect(opts.connectTimeoutMs, extra) });
  }
  // Through a proxy, undici takes the TLS options up front: the context is built now.
  const secureContext = extra ? caContext(extra) : undefined;
  const tls = secureContext ? { secureContext } : {};
  const userNoProxy = opts.env.no_proxy ?? opts.env.NO_PROXY ?? "";
  if (opts.debug) {
    opts.debug(
      `proxy: http=${httpProxy ? redactUrl(httpProxy) : "none"} https=${httpsProxy ? redactUrl(httpsProxy) : "none"} no_proxy=${userNoProxy || "(none)"} + loopback`,
    );
  }
  // Empty strings (not undefined) stop undici from reading process.env itself.
  return new EnvHttpProxyAgent({
    ...agentOptions,
    connect: { timeout: opts.connectTimeoutMs, ...tls },
    httpProxy: httpProxy ?? "",
    httpsProxy: httpsProxy ?? "",
    noProxy: userNoProxy ? `${userNoProxy},${LOOPBACK_NO_PROXY}` : LOOPBACK_NO_PROXY,
    requestTls: { timeout: opts.connectTimeoutMs, ...tls },
  });
}
