import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * The mock's own APIAuth verifier, read from seed 004 and from the api_auth gem's servers
 * (github.com/mgomes/api_auth: lib/api_auth/base.rb, headers.rb, request_drivers/). It
 * accepts what a real api_auth server accepts and nothing else:
 *
 * - canonical string `METHOD,content-type,body-hash,request-uri,date` (seed 004, gem 2.x),
 *   or without the method (gem 1.x clients sign so by default; 1.4+ servers accept both).
 *   The method-less form is a 1.x form, so it only goes with HMAC-SHA1 and Content-MD5;
 * - body hash in Content-MD5 (seed, gem <= 2.4) or X-Authorization-Content-SHA256 (gem 2.5);
 *   none on a request without a body (the seed's GET may leave it out or blank);
 * - `APIAuth` (HMAC-SHA1) or `APIAuth-HMAC-<MD5|SHA1|SHA224|SHA256|SHA384|SHA512>` (gem 2.x);
 * - a Date (HTTP-date) less than 900 s from the server clock, either way (gem 2.1+).
 *
 * It never imports the client's signer: the two are independent readings of the document.
 */

/** Largest distance (exclusive) between the request's Date and the server clock (gem: 900 s). */
export const MAX_CLOCK_SKEW_MS = 900 * 1000;
/** The 401 title for a Date too far from the server clock. */
export const CLOCK_SKEW_TITLE = "Request date is more than 15 minutes from the server clock";

/** HMAC digests a gem 2.x server accepts after `APIAuth-HMAC-`. */
const DIGESTS = {
  MD5: "md5",
  SHA1: "sha1",
  SHA224: "sha224",
  SHA256: "sha256",
  SHA384: "sha384",
  SHA512: "sha512",
} as const;
type Digest = (typeof DIGESTS)[keyof typeof DIGESTS];

/** A parsed Authorization header. */
export interface ApiAuthCredentials {
  digest: Digest;
  keyId: string;
  signature: string;
}

/**
 * Parses `APIAuth <id>:<signature>` or `APIAuth-HMAC-<DIGEST> <id>:<signature>`. The scheme is
 * matched without regard to case: seed 004 writes both `APIAuth` and `ApiAuth`.
 */
export function parseApiAuthorization(value: string | undefined): ApiAuthCredentials | undefined {
  if (!value) return undefined;
  const m = /^APIAuth(?:-HMAC-([A-Z0-9]+))?[ \t]+([^:\s]+):(\S+)$/i.exec(value.trim());
  if (!m) return undefined;
  const name = (m[1] ?? "SHA1").toUpperCase();
  const digest = (DIGESTS as Record<string, Digest>)[name];
  if (!digest) return undefined;
  return { digest, keyId: m[2]!, signature: m[3]! };
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * Parses an HTTP-date in the three forms RFC 9110 (and Ruby's Time.httpdate) accept:
 * IMF-fixdate (the seed's `Mon, 21 Oct 2015 04:20:01 GMT`), RFC 850 and asctime. The day
 * name is not checked (the seed's own example date is a Wednesday called Monday).
 */
export function parseHttpDate(text: string): number | undefined {
  const t = text.trim();
  const imf = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(t);
  const rfc850 = /^[A-Za-z]+, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(t);
  const asctime = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(t);
  let parts: [string, string, number, string, string, string] | undefined;
  if (imf) parts = [imf[1]!, imf[2]!, Number(imf[3]), imf[4]!, imf[5]!, imf[6]!];
  else if (rfc850) {
    const yy = Number(rfc850[3]);
    parts = [
      rfc850[1]!,
      rfc850[2]!,
      yy < 70 ? 2000 + yy : 1900 + yy,
      rfc850[4]!,
      rfc850[5]!,
      rfc850[6]!,
    ];
  } else if (asctime) {
    parts = [
      asctime[2]!.trim(),
      asctime[1]!,
      Number(asctime[6]),
      asctime[3]!,
      asctime[4]!,
      asctime[5]!,
    ];
  }
  if (!parts) return undefined;
  const [day, mon, year, hh, mm, ss] = parts;
  const month = MONTHS.indexOf(mon.toLowerCase());
  if (month < 0) return undefined;
  const ms = Date.UTC(year, month, Number(day), Number(hh), Number(mm), Number(ss));
  const back = new Date(ms);
  // Reject what Date.UTC would roll over (31 Feb, 25:00).
  if (back.getUTCDate() !== Number(day) || back.getUTCHours() !== Number(hh)) return undefined;
  if (Number(mm) > 59 || Number(ss) > 60) return undefined;
  return ms;
}

/** The request as the verifier needs it. */
export interface SignedRequest {
  method: string;
  /** Request target exactly as received (path and query). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The request URI the gem signs: path and query, without a scheme and host if the target had them. */
function requestUri(rawUrl: string): string {
  const stripped = rawUrl.replace(/^https?:\/\/[^/?]*/i, "");
  return stripped === "" ? "/" : stripped;
}

function sign(digest: Digest, secret: string, canonical: string): Buffer {
  return createHmac(digest, secret).update(canonical).digest();
}

function sameSignature(expected: Buffer, given: string): boolean {
  const g = Buffer.from(given, "base64");
  // Base64 that does not round-trip (junk characters) is never equal.
  if (g.toString("base64") !== given) return false;
  return g.length === expected.length && timingSafeEqual(g, expected);
}

/**
 * Verifies an APIAuth-signed request against one key. Returns undefined when the request is
 * authentic, else the reason (a 401 title; it never echoes the signature or the secret).
 */
export function verifyApiAuth(
  req: SignedRequest,
  key: { keyId: string; secret: string },
  now: Date,
): string | undefined {
  const auth = parseApiAuthorization(header(req.headers, "authorization"));
  if (!auth) {
    return "Missing or malformed Authorization header: sign the request with APIAuth or send a Bearer API key";
  }
  if (auth.keyId !== key.keyId) return "Unknown APIAuth access key id";

  const date = header(req.headers, "date");
  if (date === undefined || date.trim() === "") {
    return "Missing Date header: APIAuth requests must send the Date they were signed with";
  }
  const sent = parseHttpDate(date);
  if (sent === undefined) {
    return "Date header is not an HTTP date: send RFC 1123 GMT, e.g. Mon, 21 Oct 2015 04:20:01 GMT";
  }
  if (Math.abs(now.getTime() - sent) >= MAX_CLOCK_SKEW_MS) return CLOCK_SKEW_TITLE;

  const md5 = header(req.headers, "content-md5");
  const sha256 = header(req.headers, "x-authorization-content-sha256");
  // A header that is sent (not blank) must be the hash of the body, on every method.
  if (md5 !== undefined && md5 !== "") {
    if (md5 !== createHash("md5").update(req.body).digest("base64")) {
      return "Content-MD5 does not match the request body";
    }
  }
  if (sha256 !== undefined && sha256 !== "") {
    if (sha256 !== createHash("sha256").update(req.body).digest("base64")) {
      return "X-Authorization-Content-SHA256 does not match the request body";
    }
  }
  if (!md5 && !sha256 && req.body.length > 0) {
    return "Missing Content-MD5 (or X-Authorization-Content-SHA256) header for a request with a body";
  }

  // The body hash that went into the canonical string: the gem 2.5 header first, then
  // Content-MD5, then the blank value a GET may sign.
  const hashes: { value: string; md5: boolean }[] = [];
  if (sha256 !== undefined) hashes.push({ value: sha256, md5: false });
  if (md5 !== undefined) hashes.push({ value: md5, md5: true });
  if (hashes.length === 0) hashes.push({ value: "", md5: true });

  const contentType = header(req.headers, "content-type") ?? "";
  const uri = requestUri(req.rawUrl);
  let legacyMismatch: string | undefined;
  for (const hash of hashes) {
    const tail = [contentType, hash.value, uri, date].join(",");
    const withMethod = `${req.method.toUpperCase()},${tail}`;
    if (sameSignature(sign(auth.digest, key.secret, withMethod), auth.signature)) return undefined;
    // The 1.x form (no method) is HMAC-SHA1 over Content-MD5 only.
    const legacyAllowed = auth.digest === "sha1" && hash.md5;
    if (sameSignature(sign(auth.digest, key.secret, tail), auth.signature)) {
      if (legacyAllowed) return undefined;
      legacyMismatch = `A signature without the HTTP method is the api_auth 1.x form, which uses HMAC-SHA1 and Content-MD5 only: sign with the method in the canonical string`;
    }
  }
  return (
    legacyMismatch ??
    "APIAuth signature does not match the request: check the secret key and that the signed method, Content-Type, body hash, path and Date are the ones sent"
  );
}
