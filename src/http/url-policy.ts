import { UsageError } from "../errors.js";
import { redactUrl } from "./redact.js";

/** Which URLs the client may talk to: http(s) only, and plain http only to loopback unless insecure. */

/** True for localhost, *.localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    h === "localhost" ||
    h.endsWith(".localhost") ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    h === "::1" ||
    h === "0:0:0:0:0:0:0:1"
  );
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
