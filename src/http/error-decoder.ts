import { STATUS_CODES } from "node:http";
import { HttpError, UnavailableError } from "../errors.js";
import { redactText, redactUrl, scrubSecrets } from "./redact.js";
import { isLoopbackHost } from "./url-policy.js";

/**
 * Turns an HTTP error answer into one HttpError that keeps the status, the code and every
 * message the body held: FastAPI `detail`, JSON:API `errors[].title`, `{"error": {code,
 * message}}` and flat `{"error"|"code": "CODE", "message"}` bodies, S3 XML `<Code>`/`<Message>`,
 * an HTML error page's `<title>`, or "HTTP <status> <reason> from <METHOD> <path>". Also names
 * the machine's clock when the server's Date shows a skew beyond what signatures allow.
 * It knows HTTP, not platforms: a platform's error dialect (src/platforms/<name>/errors.ts)
 * reads the code and details and adds the platform's fix.
 */

/** A response the client gave up on, as the decoder needs it. */
export interface ErrorResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  method: string;
  /** Absolute URL or path+query of the request (redacted before display). */
  url: string;
  /** The local clock at the time of the response (clock-skew detection). */
  now?: Date;
  /** Exact secret values this request carried (key, signature, cookie): never echoed back. */
  secrets?: readonly string[];
}

/** Skew beyond which signed requests fail (APIAuth servers allow 15 minutes). */
export const CLOCK_SKEW_LIMIT_MS = 15 * 60 * 1000;

/** Hints for S3 error codes from presigned storage. */
const S3_HINTS: Record<string, string> = {
  SignatureDoesNotMatch:
    "the request must send exactly the signed method and Content-Type; request a fresh URL",
  EntityTooLarge: "the file is larger than the platform allows (max_size)",
  MissingContentLength: "storage refuses chunked uploads; send a Content-Length",
  IncompleteBody: "the body was shorter or longer than its Content-Length; retry the upload",
  NoSuchKey: "the object does not exist in storage",
  NotImplemented: "the storage server does not support this request",
};

/** Method and path for messages: no origin, presigned signatures removed. */
export function displayTarget(method: string, url: string): string {
  let pathAndQuery = url;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  if (abs) pathAndQuery = url.slice(abs[0].length) || "/";
  const redacted = redactUrl(pathAndQuery);
  // A presigned query is all noise and secrets: show the object path only.
  const shown = redacted.includes("[REDACTED]") ? redacted.replace(/\?.*$/, "") : redacted;
  return `${method.toUpperCase()} ${shown}`;
}

/** Longest piece of server-provided text shown in one error line. */
const MAX_SERVER_TEXT = 300;

/**
 * One readable line from server-provided text (no control characters). Not cut here: text
 * is cut only after secrets are scrubbed (`shown`), or a cut could split a secret so that
 * its exact value no longer matches while most of it is still printed.
 */
function clean(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Cuts already scrubbed text to `max` characters. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function decodeXmlEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

interface Decoded {
  text: string;
  details: string[];
  code?: string;
  hint?: string;
}

/** A machine-readable error code (`NOT_FOUND`, `VALIDATION_ERROR`), not a sentence. */
const ERROR_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

function fromJson(status: number, body: unknown): Decoded | undefined {
  if (!body || typeof body !== "object") return undefined;
  const obj = body as Record<string, unknown>;
  // JSON:API: every errors[].title (or detail) is a detail; the line joins them.
  if (Array.isArray(obj.errors)) {
    const items = obj.errors.filter(
      (e): e is Record<string, unknown> => !!e && typeof e === "object",
    );
    const texts = items
      .map((e) =>
        typeof e.title === "string" ? e.title : typeof e.detail === "string" ? e.detail : "",
      )
      .map(clean)
      .filter(Boolean);
    if (texts.length > 0) {
      const code = items.find((e) => typeof e.code === "string")?.code as string | undefined;
      const hint =
        status === 406
          ? "the server wants Accept and Content-Type application/vnd.api+json"
          : undefined;
      return {
        text: texts.join("; "),
        details: texts,
        ...(code ? { code } : {}),
        ...(hint ? { hint } : {}),
      };
    }
  }
  // {"success": false, "error": {"code", "message"}} (StrataGRC and others).
  if (obj.error && typeof obj.error === "object") {
    const err = obj.error as Record<string, unknown>;
    const code = typeof err.code === "string" ? err.code : undefined;
    const message = typeof err.message === "string" ? clean(err.message) : undefined;
    if (code || message) {
      const text = message && code ? `${message} (${code})` : (message ?? code!);
      return { text, details: [message ?? code!], ...(code ? { code } : {}) };
    }
  }
  // FastAPI: detail is a string, or a list of validation errors.
  if (typeof obj.detail === "string") {
    const text = clean(obj.detail);
    return { text, details: [text] };
  }
  if (Array.isArray(obj.detail)) {
    const texts = obj.detail
      .map((d) => {
        if (typeof d === "string") return clean(d);
        if (!d || typeof d !== "object") return "";
        const item = d as Record<string, unknown>;
        const loc = Array.isArray(item.loc) ? item.loc.join(".") : "";
        const msg = typeof item.msg === "string" ? item.msg : "";
        return clean(loc ? `${loc}: ${msg}` : msg);
      })
      .filter(Boolean);
    if (texts.length > 0) return { text: texts.join("; "), details: texts };
  }
  // A code in a flatter body: {"error": "NOT_FOUND", "message"} or {"code": ...}.
  const flatCode = [obj.error, obj.code].find(
    (c): c is string => typeof c === "string" && ERROR_CODE.test(c),
  );
  if (flatCode) {
    const message = typeof obj.message === "string" ? clean(obj.message) : undefined;
    return {
      text: message ? `${message} (${flatCode})` : flatCode,
      details: [message ?? flatCode],
      code: flatCode,
    };
  }
  if (typeof obj.error === "string" || typeof obj.message === "string") {
    const text = clean(String(obj.message ?? obj.error));
    if (text) return { text, details: [text] };
  }
  return undefined;
}

function fromXml(text: string): Decoded | undefined {
  if (!/<Error>/.test(text)) return undefined;
  // Only Code and Message are read: StringToSign, AWSAccessKeyId, SignatureProvided and
  // CanonicalRequest are never printed.
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (!code && !message) return undefined;
  const msg = message ? clean(decodeXmlEntities(message)) : undefined;
  const c = code ? clean(decodeXmlEntities(code)) : undefined;
  let hint = c ? S3_HINTS[c] : undefined;
  if (c === "AccessDenied" && msg && /expired/i.test(msg)) {
    hint = "the presigned URL expired; request a fresh one";
  }
  return {
    text: msg && c ? `${msg} (${c})` : (msg ?? c!),
    details: [msg ?? c!],
    ...(c ? { code: c } : {}),
    ...(hint ? { hint } : {}),
  };
}

function fromHtml(text: string): Decoded | undefined {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1];
  if (!title) return undefined;
  const t = clean(decodeXmlEntities(title));
  return t ? { text: t, details: [t] } : undefined;
}

function decodeBody(
  status: number,
  headers: Record<string, string>,
  body: Uint8Array,
): Decoded | undefined {
  if (body.byteLength === 0) return undefined;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  const type = headers["content-type"] ?? "";
  const trimmed = text.trimStart();
  if (/json/i.test(type) || trimmed.startsWith("{")) {
    try {
      const decoded = fromJson(status, JSON.parse(text));
      if (decoded) return decoded;
    } catch {
      // Not JSON after all: try the other shapes.
    }
  }
  if (/xml/i.test(type) || trimmed.startsWith("<?xml") || trimmed.startsWith("<Error>")) {
    const decoded = fromXml(text);
    if (decoded) return decoded;
  }
  if (/html/i.test(type) || /^<(!doctype|html)/i.test(trimmed)) return fromHtml(text);
  return undefined;
}

/** The fix any server's status suggests; a platform's dialect replaces it with its own. */
export function statusHint(status: number): string | undefined {
  if (status === 401) return "check the credential: run `grc auth login` or `grc auth status`";
  if (status === 403) return "the credential lacks permission for this call";
  if (status === 404) return "check the path or ID";
  if (status === 406) return "the server does not accept this Accept/Content-Type";
  if (status === 408 || status === 504) return "the server timed out; try again later";
  if (status === 429) return "rate limited; wait a little and try again";
  if (status >= 500) return "the server failed; try again later";
  return undefined;
}

/** Minutes the server's Date header is away from the local clock, when beyond the limit. */
export function clockSkewMinutes(headers: Record<string, string>, now: Date): number | undefined {
  const serverDate = headers.date ? Date.parse(headers.date) : Number.NaN;
  if (Number.isNaN(serverDate)) return undefined;
  const skew = Math.abs(now.getTime() - serverDate);
  return skew > CLOCK_SKEW_LIMIT_MS ? Math.round(skew / 60_000) : undefined;
}

/** Decodes an error response into one HttpError line with the documented exit code. */
export function decodeHttpError(res: ErrorResponse): HttpError {
  const err = decodeUnredacted(res);
  // A server (or a proxy's error page) may echo the request's credentials or a presigned
  // URL back in its error text: redact them by shape and by exact value before anyone prints.
  // Scrub first, then cut: the message holds the server's text (cut to 300) plus our words.
  const shown = (text: string) =>
    cut(scrubSecrets(redactText(text), res.secrets ?? []), MAX_SERVER_TEXT * 2);
  return new HttpError(
    shown(err.message),
    {
      status: err.status,
      ...(err.code ? { code: err.code } : {}),
      details: err.details.map((d) => shown(d)),
      ...(err.hint ? { hint: shown(err.hint) } : {}),
    },
    err.cause === undefined ? undefined : { cause: err.cause },
  );
}

function decodeUnredacted(res: ErrorResponse): HttpError {
  const target = displayTarget(res.method, res.url);
  const reason = STATUS_CODES[res.status] ?? "Error";
  const decoded = decodeBody(res.status, res.headers, res.body);
  const where = `HTTP ${res.status} from ${target}`;

  if (res.status === 401 || res.status === 403) {
    const minutes = clockSkewMinutes(res.headers, res.now ?? new Date());
    const mentionsClock = decoded ? /\b(date|clock|time ?stamp|skew)/i.test(decoded.text) : false;
    if (minutes !== undefined) {
      return new HttpError(
        `the server says this machine's clock is ${minutes} minutes off (${where})`,
        {
          status: res.status,
          ...(decoded?.code ? { code: decoded.code } : {}),
          details: decoded?.details ?? [`clock is ${minutes} minutes off`],
          hint: "fix the system time (NTP) and retry",
        },
      );
    }
    if (mentionsClock && decoded) {
      return new HttpError(`${decoded.text} (${where})`, {
        status: res.status,
        ...(decoded.code ? { code: decoded.code } : {}),
        details: decoded.details,
        hint: "this machine's clock may be off; fix the system time (NTP) and retry",
      });
    }
  }

  if (decoded) {
    const hint = decoded.hint ?? statusHint(res.status);
    return new HttpError(`${decoded.text} (${where})`, {
      status: res.status,
      ...(decoded.code ? { code: decoded.code } : {}),
      details: decoded.details,
      ...(hint ? { hint } : {}),
    });
  }
  const hint = statusHint(res.status);
  return new HttpError(`HTTP ${res.status} ${reason} from ${target}`, {
    status: res.status,
    ...(hint ? { hint } : {}),
  });
}

/** Network error codes after which nothing reached the server (safe to retry any method). */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

/** Network error codes that repeating cannot fix. */
const PERMANENT_CODES = new Set([
  "ENOTFOUND",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "UND_ERR_INVALID_ARG",
  "ERR_INVALID_URL",
]);

/** The most specific error code of a network error (undici wraps the socket error in `cause`). */
export function networkErrorCode(err: unknown): string {
  let e: unknown = err;
  let fallback = "";
  for (let depth = 0; depth < 4 && e && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (!code.startsWith("UND_ERR_") || code === "UND_ERR_CONNECT_TIMEOUT") return code;
      fallback ||= code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return fallback || "ENETWORK";
}

/** True when a network error left the request unsent (safe to retry even a POST). */
export function isNotSent(code: string): boolean {
  return NOT_SENT_CODES.has(code);
}

/** True when a network error will not go away by retrying. */
export function isPermanentNetworkError(code: string): boolean {
  return PERMANENT_CODES.has(code);
}

function innermostMessage(err: unknown): string {
  let e: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    if (e.message) message = e.message;
    e = e.cause;
  }
  return clean(message);
}

/** Codes after which no further request to that host can succeed in this run. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND"]);

/**
 * A request given up on without any answer (exit 4): the line is for people, the fields for
 * code deciding what the failure means (no need to parse the line again).
 */
export class NetworkError extends UnavailableError {
  /** The most specific error code (ECONNREFUSED, ENOTFOUND, UND_ERR_HEADERS_TIMEOUT, ...). */
  readonly code: string;
  /** The URL as shown to people (presigned signatures redacted). */
  readonly url: string;
  /** Attempts made before giving up. */
  readonly attempts: number;
  constructor(
    message: string,
    hint: string,
    init: { code: string; url: string; attempts: number },
    options?: ErrorOptions,
  ) {
    super(message, hint, options);
    this.code = init.code;
    this.url = init.url;
    this.attempts = init.attempts;
  }
  /** Refused or unresolvable: every other request to that host would fail the same way. */
  get unreachable(): boolean {
    return UNREACHABLE_CODES.has(this.code);
  }
  /** Repeating the request cannot help (DNS "not found", an untrusted certificate, ...). */
  get permanent(): boolean {
    return isPermanentNetworkError(this.code);
  }
}

/** A one-line NetworkError naming the host, the cause and the fix. */
export function networkError(
  err: unknown,
  init: {
    url: string;
    attempts: number;
    timeoutMs?: number;
    /** What the URL is: the platform API (default) or a presigned storage URL. */
    what?: "api" | "storage";
  },
): NetworkError {
  const code = networkErrorCode(err);
  let host = init.url;
  let origin: string | undefined;
  let loopback = false;
  try {
    const u = new URL(init.url);
    host = u.host;
    origin = u.origin;
    loopback = isLoopbackHost(u.hostname);
  } catch {
    // keep what we were given
  }
  const after = init.attempts > 1 ? ` after ${init.attempts} attempts` : "";
  let message: string;
  let hint: string;
  if (code === "ECONNREFUSED" && loopback && origin) {
    // Nothing listens on that port of this machine: say so at once, with the likely fix.
    if (init.what === "storage") {
      message = `cannot connect to the storage at ${origin}: connection refused (ECONNREFUSED)${after}`;
      hint =
        "is the storage server running? the platform's upload URL points there (the mock serves it with `grc mock serve`)";
    } else {
      message = `cannot connect to ${origin}: connection refused (ECONNREFUSED)${after}`;
      hint =
        "is the server running? start it (`grc mock serve` for the mock) or check the base URL (--base-url)";
    }
  } else if (code === "ECONNREFUSED") {
    message = `cannot connect to ${host}: connection refused (ECONNREFUSED)${after}`;
    hint = "check the base URL and that the server is running";
  } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    message = `cannot resolve host ${host.replace(/:\d+$/, "")} (${code})${after}`;
    hint = "check the host name in the base URL, your DNS, or HTTPS_PROXY";
  } else if (
    code === "ETIMEDOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "TimeoutError"
  ) {
    const t = init.timeoutMs;
    const secs = t ? ` within ${t < 1000 ? `${t}ms` : `${Math.round(t / 1000)}s`}` : "";
    message = `${host} did not respond${secs} (ETIMEDOUT)${after}`;
    hint = "check the network or proxy, or raise --timeout";
  } else if (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "UND_ERR_SOCKET" ||
    code === "UND_ERR_CLOSED"
  ) {
    message = `connection to ${host} was reset (${code === "UND_ERR_SOCKET" ? "ECONNRESET" : code})${after}`;
    hint = "the server or a proxy closed the connection; try again later";
  } else if (/CERT|SSL|TLS|VERIFY|ISSUER/.test(code)) {
    message = `TLS certificate of ${host} is not trusted (${code})`;
    hint = "pass --ca-cert <pem> or set NODE_EXTRA_CA_CERTS for a private CA";
  } else {
    message = `request to ${host} failed: ${innermostMessage(err)} (${code})${after}`;
    hint = "check the network, the base URL and any proxy settings";
  }
  return new NetworkError(
    cut(redactText(redactUrl(message)), MAX_SERVER_TEXT * 2),
    hint,
    { code, url: redactUrl(init.url), attempts: init.attempts },
    { cause: err },
  );
}
