import { UsageError } from "../errors.js";
import { redactUrl } from "./redact.js";

/** Which URLs the client may talk to: http(s) only, and plain http only to loopback unless insecure. */

/** A dotted-quad IPv4 address as node:net's isIPv4 reads one (no leading zeros). */
const IPV4 =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

/**
 * True for hosts that never leave the machine: localhost, *.localhost, 127.0.0.0/8 and ::1.
 * (Without node:net, which would load node's sockets and streams into every start.)
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (IPV4.test(host)) return host.startsWith("127.");
  return host === "::1" || host === "0:0:0:0:0:0:0:1";
}

/**
 * Parses a URL the client is asked to use and enforces the scheme rules: `what` names it in
 * the error ("base URL", "storage URL").
 */
export function checkedUrl(raw: string, what: string, insecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `the ${what} is not a valid URL: ${redactUrl(raw)}`,
      "use an absolute http(s):// URL",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(
      `refusing the ${what} with scheme ${url.protocol} (${redactUrl(raw).slice(0, 80)})`,
      "only http(s) URLs are allowed",
    );
  }
  if (url.protocol === "http:" && !insecure && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `refusing plain http to ${url.host} (${what})`,
      "use https, or pass --insecure if you really mean an unencrypted connection",
    );
  }
  return url;
}
