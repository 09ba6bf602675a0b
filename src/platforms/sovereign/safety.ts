/** Checks on what the server hands us to follow: presigned URLs and object keys. */
import { ContradictingAnswerError, UnavailableError } from "../../errors.js";

/**
 * Refuses a presigned URL the client must not follow: anything but http(s), embedded
 * credentials, or dot segments in the path (on the API's own origin they would turn an
 * "upload" into a request against the API). The URL itself is never echoed: its query
 * carries a signature.
 */
export function assertSafeStorageUrl(url: string, apiBaseUrl: string, kind: "upload" | "download") {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unsafe(kind, "it is not a valid URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw unsafe(kind, `scheme ${parsed.protocol.replace(/:$/, "")} is not http(s)`);
  }
  if (parsed.username || parsed.password) throw unsafe(kind, "it embeds credentials");
  // `new URL` resolves "..", so look at the raw path text.
  const rawPath =
    url
      .slice(url.indexOf("//") + 2)
      .replace(/^[^/?#]*/, "")
      .split(/[?#]/)[0] ?? "";
  const segments = rawPath.split(/\/|%2f|\\|%5c/i).map((s) => s.replace(/%2e/gi, "."));
  if (segments.some((s) => s === ".." || s === ".")) {
    const origin = sameOrigin(parsed, apiBaseUrl) ? "the API's own origin" : parsed.origin;
    throw unsafe(kind, `its path walks out of its folder on ${origin}`);
  }
}

/** Where the core and commands meet it, the class lives with the other errors. */
export { ContradictingAnswerError };

/** An answer about another evidence than the one asked for (download-url announcing another hash). */
export class AnotherEvidenceError extends ContradictingAnswerError {}

/** Refuses an object key that is absolute or walks up (`../`), or holds control characters. */
export function assertSafeObjectKey(objectKey: string): void {
  const control = /[\u0000-\u001f\u007f]/.exec(objectKey)?.[0];
  const shown = () => JSON.stringify(objectKey.slice(0, 200));
  if (control !== undefined) {
    const code = `U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new ContradictingAnswerError(
      `the server returned an unsafe object key ${shown()} (it holds the control character ${code}, most likely echoed from the file name)`,
      "rename the file without control characters, or report the key to the platform operator",
    );
  }
  const bad =
    objectKey.length === 0 ||
    objectKey.startsWith("/") ||
    objectKey.includes("\\") ||
    /^[a-z]+:/i.test(objectKey) ||
    objectKey.split("/").some((s) => s === ".." || s === ".");
  if (bad) {
    throw new ContradictingAnswerError(
      `the server returned an unsafe object key ${shown()} (absolute or path traversal)`,
    );
  }
}

function unsafe(kind: "upload" | "download", why: string): UnavailableError {
  return new UnavailableError(
    `the server returned an unsafe ${kind} URL (${why})`,
    "refusing to use it; report this to the platform operator",
  );
}

function sameOrigin(url: URL, base: string): boolean {
  try {
    return new URL(base).origin === url.origin;
  } catch {
    return false;
  }
}
