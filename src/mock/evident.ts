import {
  CLOCK_SKEW_TITLE,
  MAX_CLOCK_SKEW_MS,
  parseApiAuthorization,
  verifyApiAuth,
} from "./apiauth.js";
import { isMinimal, minimalJsonApi } from "./dialect.js";
import { EVIDENT_TYPES, evidentResourcePath, loadEvidentData } from "./evident-data.js";
import { bearerPrincipals, hasScope } from "./identity.js";
import { errorDocument, type JsonApiDocument } from "./jsonapi/document.js";
import { flattenJsonParams, type JsonApiParams, readJsonApiParams } from "./jsonapi/params.js";
import { JsonApiStore } from "./jsonapi/store.js";
import type { MockPlatform, MockReply, MockRequest, MockRouterContext } from "./types.js";

/**
 * The Evident Security Platform API v2 as the mock serves it (seed 004): JSON:API 1.0
 * collections under /api/v2, APIAuth (every form a real api_auth server accepts, see
 * apiauth.ts) or Bearer sk- keys,
 * 406 for the wrong media types, X-RateLimit-* on every response and 429 once the window is
 * spent. Filtering, sorting, paging and includes are the generic engine's (jsonapi/).
 */

export { CLOCK_SKEW_TITLE, MAX_CLOCK_SKEW_MS };
/** The 429 title, verbatim from the Evident document. */
export const RATE_LIMIT_TITLE = "Request limit exceeded. Please try again later.";
/** The media type of JSON:API 1.0, the only one seed 004 speaks. */
export const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";

const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
const DEFAULT_RATE_LIMIT = { limit: 10_000, windowMs: 60_000 };
/** The scope a Bearer key needs to read Evident collections. */
const READ_SCOPE = "read:alerts";

/** Builds the Evident router on the mock's context; its data starts loading at once. */
export function createEvidentPlatform(ctx: MockRouterContext): MockPlatform {
  const limiter = new RateLimiter(ctx.options.rateLimit ?? DEFAULT_RATE_LIMIT);
  let store: Promise<JsonApiStore> | undefined;
  let origin = "not loaded";
  let shiftDays = 0;
  const startedAt = ctx.now();
  const loadStore = (): Promise<JsonApiStore> => {
    store ??= loadEvidentData({
      ...(ctx.options.dataDir !== undefined ? { dataDir: ctx.options.dataDir } : {}),
      ...(ctx.options.alerts !== undefined ? { alerts: ctx.options.alerts } : {}),
      // The start day, taken once: the same day always gives the same data.
      ...(ctx.options.relativeDates ? { today: startedAt } : {}),
    }).then((data) => {
      shiftDays = data.shiftDays;
      const s = new JsonApiStore(EVIDENT_TYPES, {
        baseUrl: () => ctx.baseUrl(),
        resourcePath: evidentResourcePath,
      });
      for (const [type, source] of data.sources) if (s.has(type)) s.setSource(type, source);
      origin = data.dir ?? data.origin;
      return s;
    });
    return store;
  };
  // Start loading now so the first request does not pay for it; a failure surfaces (as a
  // 500 from the server) on the request that awaits it, not as an unhandled rejection.
  loadStore().catch(() => undefined);
  let served = 0;
  const minimal = isMinimal(ctx);

  return {
    name: "evident",
    async handle(req: MockRequest): Promise<MockReply | undefined> {
      const route = matchRoute(req.url.pathname);
      if (!route) return undefined;
      served++;
      const bucket = limiter.take(bucketKey(req), ctx.now().getTime());
      const reply = (status: number, document: JsonApiDocument): MockReply => ({
        status,
        headers: { "content-type": JSONAPI_MEDIA_TYPE, ...bucket.headers },
        body: JSON.stringify(minimal ? minimalJsonApi(document, ctx.baseUrl()) : document),
      });
      if (!bucket.allowed) return reply(429, errorDocument(429, RATE_LIMIT_TITLE));

      const unacceptable = checkMediaTypes(req, route);
      if (unacceptable) return reply(406, errorDocument(406, unacceptable));
      const denied = authenticate(req, ctx);
      if (denied) return reply(401, errorDocument(401, denied));

      const isSearch = req.method === "PUT" && route.kind !== "one";
      if (req.method !== "GET" && !isSearch) {
        return reply(
          405,
          errorDocument(
            405,
            `${req.method} is not supported on ${req.url.pathname}: use GET, or PUT for a search`,
          ),
        );
      }
      let params: JsonApiParams;
      try {
        params = readJsonApiParams(req.url.searchParams, ...(isSearch ? [searchBody(req)] : []));
      } catch {
        return reply(400, errorDocument(400, "The search body is not valid JSON"));
      }

      const s = await loadStore();
      const path = req.url.pathname;
      if (route.kind === "one") {
        const r = s.one(route.type, route.id, params, path);
        return reply(r.status, r.document);
      }
      if (route.kind === "report-alerts") {
        if (!s.get("reports", route.reportId)) {
          return reply(404, errorDocument(404, `Couldn't find reports with id ${route.reportId}`));
        }
        const r = s.list("alerts", params, path, { relationship: "report", id: route.reportId });
        return reply(r.status, r.document);
      }
      const r = s.list(route.type, params, path);
      return reply(r.status, r.document);
    },
    snapshot() {
      return { data: origin, requests: served, date_shift_days: shiftDays };
    },
    reset() {
      // Rate-limit windows are per test run; the data itself is read-only.
      limiter.clear();
      served = 0;
    },
  };
}

type Route =
  | { kind: "list"; type: string }
  | { kind: "one"; type: string; id: string }
  | { kind: "report-alerts"; reportId: string };

/** Maps /api/v2/<type>[.json], /api/v2/<type>/<id>[.json], /api/v2/reports/<id>/alerts[.json]. */
function matchRoute(pathname: string): Route | undefined {
  if (!pathname.startsWith("/api/v2/")) return undefined;
  const rest = pathname.slice("/api/v2/".length).replace(/\.json$/, "");
  const segments = rest.split("/").map(safeDecode);
  if (segments.some((s) => s === undefined || s === "")) return { kind: "list", type: rest };
  const [a, b, c] = segments as string[];
  if (segments.length === 1) return { kind: "list", type: a! };
  if (segments.length === 2) return { kind: "one", type: a!, id: b! };
  if (segments.length === 3 && a === "reports" && c === "alerts") {
    return { kind: "report-alerts", reportId: b! };
  }
  // Unknown shapes under /api/v2 are still Evident's to answer (404 from the engine).
  return { kind: "list", type: rest };
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function mediaType(value: string | undefined): string {
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The 406 title when Accept or a body's Content-Type is not what the API speaks. */
function checkMediaTypes(req: MockRequest, route: Route): string | undefined {
  const accept = req.headers.accept;
  const accepted = (accept ?? "").split(",").some((part) => mediaType(part) === JSONAPI_MEDIA_TYPE);
  if (!accepted) {
    return accept
      ? `Accept ${JSON.stringify(accept)} is not supported: send Accept: ${JSONAPI_MEDIA_TYPE}`
      : `Missing Accept header: send Accept: ${JSONAPI_MEDIA_TYPE}`;
  }
  if (req.body.length === 0) return undefined;
  const type = mediaType(req.headers["content-type"]);
  const isSearch = req.method === "PUT" && route.kind !== "one";
  if (type === JSONAPI_MEDIA_TYPE || (isSearch && type === FORM_MEDIA_TYPE)) return undefined;
  return type
    ? `Content-Type ${type} is not supported: send ${JSONAPI_MEDIA_TYPE}${isSearch ? ` or ${FORM_MEDIA_TYPE} for a PUT search` : ""}`
    : `Missing Content-Type header: send ${JSONAPI_MEDIA_TYPE}`;
}

/** Parameters of a PUT search body: a form (as the document's curl sends) or a JSON object. */
function searchBody(req: MockRequest): [string, string][] {
  if (req.body.length === 0) return [];
  const text = req.body.toString("utf8");
  if (mediaType(req.headers["content-type"]) === FORM_MEDIA_TYPE) {
    return [...new URLSearchParams(text)];
  }
  return flattenJsonParams(JSON.parse(text));
}

function header(req: MockRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks APIAuth (apiauth.ts) or a Bearer key with read access. Returns the 401 title, or undefined when the caller is known.
 * Titles never echo the signature or the key.
 */
function authenticate(req: MockRequest, ctx: MockRouterContext): string | undefined {
  const authorization = header(req, "authorization");
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
  if (bearer) {
    const principal = bearerPrincipals(ctx.identity).find((p) => p.apiKey === bearer[1]);
    if (!principal) return "Invalid API key";
    if (!hasScope(principal.scopes, READ_SCOPE)) {
      return "This API key cannot read the Evident API: it needs the read:* scope";
    }
    return undefined;
  }
  return verifyApiAuth(
    req,
    { keyId: ctx.identity.hmacKeyId, secret: ctx.identity.hmacSecret },
    ctx.now(),
  );
}

/** Rate-limit bucket of a request: its APIAuth key id or Bearer key, else one anonymous bucket. */
function bucketKey(req: MockRequest): string {
  const authorization = header(req, "authorization")?.trim() ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (bearer) return `bearer:${bearer[1]}`;
  const auth = parseApiAuthorization(authorization);
  return auth ? `apiauth:${auth.keyId}` : "anonymous";
}

/** A fixed-window counter per caller, on the server clock (tests can shift it). */
class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly config: { limit: number; windowMs: number }) {}

  /** Forgets every window (POST /__mock/reset). */
  clear(): void {
    this.windows.clear();
  }

  /** Counts one request; says whether it is allowed and the headers every response carries. */
  take(key: string, now: number): { allowed: boolean; headers: Record<string, string> } {
    let window = this.windows.get(key);
    if (!window || now >= window.start + this.config.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    const allowed = window.count <= this.config.limit;
    // Whole seconds, rounded up, so that waiting until Reset is always long enough.
    const reset = Math.ceil((window.start + this.config.windowMs) / 1000) * 1000;
    return {
      allowed,
      headers: {
        "x-ratelimit-limit": String(this.config.limit),
        "x-ratelimit-remaining": String(Math.max(0, this.config.limit - window.count)),
        "x-ratelimit-reset": new Date(reset).toISOString().replace(".000Z", "Z"),
      },
    };
  }
}
