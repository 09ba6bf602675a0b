/**
 * Redaction of credentials before anything reaches a --debug line, an error message or a
 * log: Authorization values, cookies, APIAuth signatures and the signatures/credentials in
 * presigned storage URLs. One place, so every trace and message redacts the same way.
 */

/** What replaces a secret value. */
export const REDACTED = "[REDACTED]";

/** Query parameters whose values are credentials or signatures (lower-cased). */
const SECRET_QUERY_PARAMS = new Set([
  "authorization",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "x-goog-signature",
  "x-goog-credential",
  "signature",
  "sig",
  "token",
  "access_token",
  "api_key",
  "apikey",
  "key",
  "awsaccesskeyid",
  "password",
  "secret",
  "session",
]);

/** Headers whose values are never shown (lower-cased). */
const SECRET_HEADERS = new Set([
  "cookie",
  "set-cookie",
  "proxy-authorization",
  "x-authorization-content-sha256",
  "x-amz-security-token",
  "x-api-key",
]);

/** "sk-...abcd": an API key reduced to its prefix and last 4 characters (only "sk-..." when short). */
export function maskApiKey(key: string): string {
  return key.length >= 12 ? `sk-...${key.slice(-4)}` : "sk-...";
}

/** Redacts one Authorization header value: Bearer keys keep their last 4, signatures go entirely. */
export function redactAuthorization(value: string): string {
  const bearer = /^Bearer\s+(\S+)/i.exec(value);
  if (bearer) {
    const token = bearer[1]!;
    return token.startsWith("sk-") ? `Bearer ${maskApiKey(token)}` : `Bearer ${REDACTED}`;
  }
  const scheme = /^(\S+)\s/.exec(value);
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

/** Replaces secret query values (and any user:password) in an absolute or relative URL. */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf("#");
  const withoutHash = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const q = withoutHash.indexOf("?");
  let base = q >= 0 ? withoutHash.slice(0, q) : withoutHash;
  base = base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, `$1${REDACTED}@`);
  if (q < 0) return base;
  const query = withoutHash
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        // A malformed escape is still compared by its raw text.
      }
      return eq >= 0 && SECRET_QUERY_PARAMS.has(name.toLowerCase())
        ? `${rawName}=${REDACTED}`
        : pair;
    })
    .join("&");
  return `${base}?${query}`;
}

/** A copy of headers safe to print: credentials, cookies and body signatures redacted. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(", ") : raw;
    const lower = name.toLowerCase();
    if (lower === "authorization") out[name] = redactAuthorization(value);
    else if (lower === "cookie" || lower === "set-cookie") out[name] = redactCookie(value);
    else if (SECRET_HEADERS.has(lower)) out[name] = REDACTED;
    else if (lower === "location" || lower === "content-location") out[name] = redactUrl(value);
    else out[name] = value;
  }
  return out;
}

/** Keeps cookie names, drops their values ("session=[REDACTED]"). */
function redactCookie(value: string): string {
  return value
    .split(/;\s*/)
    .map((part) => {
      const eq = part.indexOf("=");
      return eq > 0 ? `${part.slice(0, eq)}=${REDACTED}` : part;
    })
    .join("; ");
}

/** Removes every occurrence of the given secrets from free text (last line of defence). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}

const SECRET_PARAM_IN_TEXT = new RegExp(
  `(^|[^A-Za-z0-9_-])(${[...SECRET_QUERY_PARAMS].map((n) => n.replace(/[-]/g, "\\-")).join("|")})=([^&\\s"'<>;,]+)`,
  "gi",
);

/**
 * Redacts credentials by their shape in free text a server sent back (an error body that
 * echoes the request): Bearer tokens and sk- keys (last 4 kept), APIAuth signatures,
 * `name=value` pairs whose name is a credential or signature (X-Amz-Signature, session, ...).
 */
export function redactText(text: string): string {
  return text
    .replace(/\bBearer\s+(\S+)/gi, (_m, token: string) =>
      token.startsWith("sk-") ? `Bearer ${maskApiKey(token)}` : `Bearer ${REDACTED}`,
    )
    .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, (key) => maskApiKey(key))
    .replace(/\b(APIAuth(?:-HMAC-SHA\d+)?)\s+([^:\s]+):\S+/gi, `$1 $2:${REDACTED}`)
    .replace(SECRET_PARAM_IN_TEXT, `$1$2=${REDACTED}`);
}

/**
 * A presigned storage URL as grc shows it: origin and path, never the query. Storage
 * services put credentials in query parameters of their own naming (`?Authorization=` on
 * Backblaze B2), so no list of parameter names can be trusted to catch them all.
 */
export function storageUrlForDisplay(url: string): string {
  const cut = url.search(/[?#]/);
  const base = redactUrl(cut >= 0 ? url.slice(0, cut) : url);
  return cut >= 0 && url[cut] === "?" ? `${base}?[query hidden]` : base;
}

/** Every query value of a presigned URL (each may be a credential): scrubbed from echoed text. */
export function storageUrlSecrets(url: string): string[] {
  const q = url.indexOf("?");
  if (q < 0) return [];
  const out: string[] = [];
  for (const pair of url
    .slice(q + 1)
    .split("#")[0]!
    .split("&")) {
    const value = pair.slice(pair.indexOf("=") + 1);
    if (value.length < 8) continue;
    out.push(value);
    try {
      const decoded = decodeURIComponent(value.replace(/\+/g, " "));
      if (decoded !== value) out.push(decoded);
    } catch {
      // the raw value is scrubbed
    }
  }
  return out;
}
