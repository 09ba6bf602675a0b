import { createHash, createHmac } from "node:crypto";

/**
 * APIAuth request signing as the Evident API document describes it (HMAC-SHA1 over
 * `METHOD,content-type,content-md5,request-uri,date`), plus the api_auth 2.5+ variant
 * (`APIAuth-HMAC-SHA256`, body hash in X-Authorization-Content-SHA256). The mock server
 * verifies with the same functions, so client and server cannot drift apart.
 */

export const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";

export type ApiAuthAlgorithm = "sha1" | "sha256";

/** Base64 of the raw MD5 digest of the body; an empty body hashes the empty string. */
export function contentMd5(body: string | Uint8Array = ""): string {
  return createHash("md5").update(body).digest("base64");
}

/** Base64 of the raw SHA-256 digest of the body (api_auth 2.5+ X-Authorization-Content-SHA256). */
export function contentSha256(body: string | Uint8Array = ""): string {
  return createHash("sha256").update(body).digest("base64");
}

/** The canonical string: method, content type, content hash, request URI (path + query as sent), date. */
export function canonicalString(parts: {
  method: string;
  contentType: string;
  contentHash: string;
  requestUri: string;
  date: string;
}): string {
  return [
    parts.method.toUpperCase(),
    parts.contentType,
    parts.contentHash,
    parts.requestUri,
    parts.date,
  ].join(",");
}

/** Base64 HMAC of the canonical string with the secret key. */
export function hmacSignature(
  secret: string,
  canonical: string,
  algorithm: ApiAuthAlgorithm = "sha1",
): string {
  return createHmac(algorithm, secret).update(canonical).digest("base64");
}

/** RFC 1123 date in GMT, as the Date header wants it ("Mon, 21 Oct 2015 04:20:01 GMT"). */
export function httpDate(date: Date): string {
  return date.toUTCString();
}

/** Everything needed to sign one request. */
export interface ApiAuthInput {
  keyId: string;
  secret: string;
  algorithm?: ApiAuthAlgorithm;
  method: string;
  /** Path plus query string exactly as sent. */
  requestUri: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** The request time; a string is sent verbatim (the document's example date is "Mon, 21 Oct 2015", a Wednesday). */
  date: Date | string;
}

/**
 * Headers that sign a request: Date, Content-Type, Accept, the body hash header and
 * Authorization. Content-Type is always explicit: a runtime that added its own would
 * break the signature.
 */
export function apiAuthHeaders(input: ApiAuthInput): Record<string, string> {
  const algorithm = input.algorithm ?? "sha1";
  const contentType = input.contentType ?? JSONAPI_MEDIA_TYPE;
  const date = typeof input.date === "string" ? input.date : httpDate(input.date);
  const headers: Record<string, string> = {
    date,
    "content-type": contentType,
    accept: JSONAPI_MEDIA_TYPE,
  };
  let contentHash: string;
  let scheme: string;
  if (algorithm === "sha256") {
    contentHash = contentSha256(input.body);
    headers["x-authorization-content-sha256"] = contentHash;
    scheme = "APIAuth-HMAC-SHA256";
  } else {
    contentHash = contentMd5(input.body);
    headers["content-md5"] = contentHash;
    scheme = "APIAuth";
  }
  const canonical = canonicalString({
    method: input.method,
    contentType,
    contentHash,
    requestUri: input.requestUri,
    date,
  });
  headers.authorization = `${scheme} ${input.keyId}:${hmacSignature(input.secret, canonical, algorithm)}`;
  return headers;
}

/** Parses "APIAuth keyid:signature" (or APIAuth-HMAC-SHA256); undefined when it is not APIAuth. */
export function parseApiAuthHeader(
  value: string | undefined,
): { keyId: string; signature: string; algorithm: ApiAuthAlgorithm } | undefined {
  if (!value) return undefined;
  const m = /^(APIAuth|ApiAuth|APIAuth-HMAC-SHA256|APIAuth-HMAC-SHA1)\s+([^:\s]+):(\S+)$/i.exec(
    value.trim(),
  );
  if (!m) return undefined;
  const algorithm: ApiAuthAlgorithm = /SHA256$/i.test(m[1]!) ? "sha256" : "sha1";
  return { keyId: m[2]!, signature: m[3]!, algorithm };
}
