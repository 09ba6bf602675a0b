/**
 * Sovereign GRC evidence API (seed 000): every path, body and response shape of the
 * evidence endpoints lives here, behind typed functions over the one ApiClient.
 *
 * Wire names stay snake_case (the seed's names, and the names `--output json` prints), so a
 * value read here can be written out without renaming.
 */
import { setupError } from "../../core/config/setup.js";
import type { ResolvedProfile } from "../../core/config/types.js";
import type {
  CallOptions,
  EvidenceUploadApi,
  Lineage,
  LinkParams,
  UploadUrl,
  UploadUrlParams,
  VerifyOptions,
  VerifyResult,
} from "../../core/platform.js";
import type { Pager } from "../../core/query/walker.js";
import { ContradictingAnswerError, UnavailableError, UsageError } from "../../errors.js";
import { decodeHttpError } from "../../http/error-decoder.js";
import type { ApiClient } from "../../http/types.js";

/** Attributes of one evidence resource (JSON:API `evidence`). */
export interface EvidenceAttributes {
  sha256: string;
  size: number;
  content_type: string;
  filename: string;
  object_keys: string[];
  created_at: string;
}

/** A JSON:API resource object as the read side returns it. */
export interface JsonApiResource<A = Record<string, unknown>> {
  id: string;
  type: string;
  attributes: A;
  relationships?: Record<string, { data?: unknown; links?: Record<string, string> }>;
  links?: Record<string, string>;
}

/** One page of `GET /evidence`. */
export interface EvidencePage {
  data: JsonApiResource<EvidenceAttributes>[];
  included: JsonApiResource[];
  links: { self?: string; next?: string | null; prev?: string | null; last?: string | null };
  meta: Record<string, unknown>;
}

/** `GET /evidence/{id}`: the evidence and its lineage rows (`evidence_lineages`). */
export interface EvidenceDocument {
  data: JsonApiResource<EvidenceAttributes>;
  included: JsonApiResource[];
}

/** Result of `GET /evidence/{id}/download-url`. */
export interface DownloadUrl {
  download_url: string;
  object_key: string;
  expires_in: number;
  sha256: string;
  /** The object's size when the server declares it (the download stops there). */
  size: number | undefined;
}

/** Query of `GET /evidence`: pagination and JSON:API filters. */
export interface ListEvidenceParams {
  /** Only evidence with a lineage row for this control (`filter[control_id_eq]`). */
  control?: string | undefined;
  /** Extra `key=value` pairs already encoded for the wire (src/core/query `queryPairs()`). */
  query?: readonly string[] | undefined;
  pageNumber?: number | undefined;
  pageSize?: number | undefined;
  include?: string | undefined;
}

export type {
  CallOptions,
  Lineage,
  LinkParams,
  UploadUrl,
  UploadUrlParams,
  VerifyOptions,
  VerifyResult,
} from "../../core/platform.js";

/** The evidence endpoints bound to one client and organization. */
export interface SovereignEvidenceApi extends EvidenceUploadApi {
  listEvidence(params?: ListEvidenceParams, options?: CallOptions): Promise<EvidencePage>;
  /** The requests of a walk over the evidence collection (for src/core/query/walker.ts). */
  evidencePager(params: ListEvidenceParams): Pager;
  getEvidence(evidenceId: string, options?: CallOptions): Promise<EvidenceDocument>;
  requestDownloadUrl(evidenceId: string, options?: CallOptions): Promise<DownloadUrl>;
}

/** The profile's organization id, which every evidence path needs. */
export function orgIdOf(
  profile: Pick<ResolvedProfile, "orgId" | "name"> &
    Partial<Pick<ResolvedProfile, "baseUrl" | "credential">>,
): string {
  if (!profile.orgId) {
    // Nothing configured: name everything missing at once (src/core/config/setup.ts).
    if (profile.credential) {
      const notSetUp = setupError(
        { ...profile, baseUrl: profile.baseUrl, credential: profile.credential },
        { org: true },
      );
      if (notSetUp) throw notSetUp;
    }
    throw new UsageError(
      "no organization ID configured",
      `pass --org, set GRC_ORG_ID or run \`grc config set org_id <id> --profile ${profile.name}\``,
    );
  }
  return profile.orgId;
}

/** Binds the evidence endpoints to a client and an organization. */
export function sovereignEvidence(api: ApiClient, orgId: string): SovereignEvidenceApi {
  return {
    baseUrl: api.baseUrl,
    orgId,
    requestUploadUrl: (p, o) => requestUploadUrl(api, orgId, p, o),
    verifyObject: (k, h, o) => verifyObject(api, orgId, k, h, o),
    linkToControl: (p, o) => linkToControl(api, orgId, p, o),
    listEvidence: (p, o) => listEvidence(api, orgId, p, o),
    evidencePager: (p) => evidencePager(orgId, p),
    getEvidence: (id, o) => getEvidence(api, orgId, id, o),
    requestDownloadUrl: (id, o) => requestDownloadUrl(api, orgId, id, o),
  };
}

/** Every Sovereign evidence path, built in one place from the organization id. */
export function evidencePaths(orgId: string) {
  const base = `/api/v1/orgs/${encodeURIComponent(orgId)}/evidence`;
  const id = (evidenceId: string) => encodeURIComponent(evidenceId);
  return {
    uploadUrl: `${base}/upload-url`,
    verify: (objectKey: string, sha256: string) =>
      `${base}/verify?${new URLSearchParams({ object_key: objectKey, expected_hash: sha256 })}`,
    link: (evidenceId: string) => `${base}/${id(evidenceId)}/link-to-control`,
    // The read side lives on the same base: the collection is the base itself.
    collection: base,
    one: (evidenceId: string) => `${base}/${id(evidenceId)}`,
    downloadUrl: (evidenceId: string) => `${base}/${id(evidenceId)}/download-url`,
  };
}

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

/**
 * Sovereign's 503 "object storage is not configured" is a setting, not a passing outage:
 * retrying it only delays the one-line error, so the client fails at once.
 */
export function storageNotConfigured(status: number, body: Buffer): boolean {
  return status === 503 && /storage is not configured/i.test(body.toString("utf8", 0, 4096));
}

/** Step 1: mints a presigned PUT URL and an object key. */
export async function requestUploadUrl(
  api: ApiClient,
  orgId: string,
  params: UploadUrlParams,
  options: CallOptions = {},
): Promise<UploadUrl> {
  const res = await api.request({
    method: "POST",
    path: evidencePaths(orgId).uploadUrl,
    headers: JSON_HEADERS,
    body: JSON.stringify(compact({ ...params })),
    // Each call mints a fresh URL and nothing is stored server-side, so repeating is safe.
    idempotent: true,
    permanentFailure: storageNotConfigured,
    signal: options.signal,
  });
  // The seed's four fields, nothing else; numbers may come as numeric strings.
  const body = objectOf(res.json(), "upload-url");
  const uploadUrl = stringField(body, "upload_url", "upload-url");
  const objectKey = stringField(body, "object_key", "upload-url");
  assertSafeStorageUrl(uploadUrl, api.baseUrl, "upload");
  assertSafeObjectKey(objectKey);
  return {
    upload_url: uploadUrl,
    object_key: objectKey,
    expires_in: numberField(body, "expires_in", "upload-url"),
    max_size: numberField(body, "max_size", "upload-url"),
  };
}

/**
 * Step 3: asks the server to recompute the stored object's SHA-256. The seed documents no
 * response body, so the verdict is read liberally and checked against what we know:
 * - `verified: false` (with 2xx, 409 or 422) is a mismatch;
 * - a returned hash (`actual_hash`, `sha256`, `hash`; any letter case) that differs from the
 *   local one, an `expected_hash` that is not ours, an `object_key` that is not the one asked
 *   about, or a `size` that is not the file's, is a mismatch whatever `verified` says;
 * - any other 2xx, empty or JSON, is a pass: the server's check succeeded (HTTP success is
 *   the verdict); a 2xx whose body is not JSON (a proxy's page) is an unexpected answer.
 * A mismatch is a result, not an exception: the caller decides how to report the file.
 */
export async function verifyObject(
  api: ApiClient,
  orgId: string,
  objectKey: string,
  sha256: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  assertSafeObjectKey(objectKey);
  const expected = sha256.toLowerCase();
  // send() resolves with any status, so a 409/422 body (with the stored hash) stays readable.
  const res = await api.send({
    method: "POST",
    path: evidencePaths(orgId).verify(objectKey, expected),
    headers: { accept: "application/json" },
    // Verify only reads the stored object.
    idempotent: true,
    permanentFailure: storageNotConfigured,
    signal: options.signal,
  });
  const ok = res.status >= 200 && res.status < 300;
  const text = ok || res.status === 409 || res.status === 422 ? res.text() : "";
  const parsed = jsonOrUndefined(text);
  // An empty body is a verdict-less answer; a body that is not JSON (a proxy's or captive
  // portal's page) is not an answer from the API at all.
  if (ok && parsed === undefined && text.trim() !== "") throw unexpected("verify", "body");
  const body = isObject(parsed) ? parsed : { verified: parsed };
  const verdict = booleanOf(body.verified);
  if (!ok && verdict !== false) {
    throw decodeHttpError({
      status: res.status,
      headers: res.headers,
      body: res.body,
      method: "POST",
      url: res.url,
    });
  }
  const actual = reportedHash(body);
  const size = optionalNumber(body.size);
  const result: VerifyResult = {
    verified: true,
    object_key: objectKey,
    expected_hash: expected,
    actual_hash: actual,
    size,
  };
  const fail = (detail: string): VerifyResult => ({ ...result, verified: false, detail });
  if (verdict === false) {
    return fail(optionalString(body.detail) ?? optionalString(body.message) ?? "hash mismatch");
  }
  if (actual !== undefined && actual !== expected) {
    return fail(`the server reports SHA-256 ${actual} for the stored object`);
  }
  const echoedHash = optionalString(body.expected_hash);
  if (echoedHash !== undefined && echoedHash.toLowerCase() !== expected) {
    return fail(`the answer is about another hash (${echoedHash.slice(0, 80)})`);
  }
  const echoedKey = optionalString(body.object_key);
  if (echoedKey !== undefined && echoedKey !== objectKey) {
    return fail(`the answer is about another object (${JSON.stringify(echoedKey.slice(0, 200))})`);
  }
  if (size !== undefined && options.size !== undefined && size !== options.size) {
    return fail(`the stored object is ${size} bytes, the file ${options.size}`);
  }
  return result;
}

/** The stored object's hash as a verify answer names it, lower-cased; undefined when absent. */
function reportedHash(body: Record<string, unknown>): string | undefined {
  for (const key of ["actual_hash", "sha256", "hash"]) {
    const v = body[key];
    if (typeof v === "string" && v.trim() !== "") return v.trim().toLowerCase();
  }
  return undefined;
}

/**
 * Step 4: links the stored object to a control (idempotent per content hash + control). The
 * seed's answer `{lineage_id, evidence_id, control_id, framework_id, assessment_id, created}`
 * is checked against the request: a row for another evidence or control (or framework or
 * assessment) is refused, never reported as linked.
 */
export async function linkToControl(
  api: ApiClient,
  orgId: string,
  params: LinkParams,
  options: CallOptions = {},
): Promise<Lineage> {
  assertSafeObjectKey(params.object_key);
  const { evidence_id, ...rest } = params;
  const res = await api.request({
    method: "POST",
    path: evidencePaths(orgId).link(evidence_id),
    headers: JSON_HEADERS,
    body: JSON.stringify(
      compact({
        control_id: rest.control_id,
        framework_id: rest.framework_id,
        assessment_id: rest.assessment_id,
        object_key: rest.object_key,
      }),
    ),
    // The seed: re-linking returns the existing row with created: false.
    idempotent: true,
    signal: options.signal,
  });
  const body = objectOf(res.json(), "link-to-control");
  const created = booleanOf(body.created);
  if (created === undefined) throw unexpected("link-to-control", "created");
  const lineage: Lineage = {
    lineage_id: idField(body, "lineage_id", "link-to-control"),
    evidence_id: idField(body, "evidence_id", "link-to-control"),
    control_id: idField(body, "control_id", "link-to-control"),
    framework_id: optionalString(body.framework_id) ?? null,
    assessment_id: optionalString(body.assessment_id) ?? null,
    created,
  };
  const differs = (field: string, got: string, sent: string) =>
    new ContradictingAnswerError(
      `link-to-control answered for ${field} ${JSON.stringify(got.slice(0, 100))}, not the ${JSON.stringify(sent.slice(0, 100))} sent; not counted as linked`,
    );
  if (lineage.evidence_id.toLowerCase() !== evidence_id.toLowerCase()) {
    throw differs("evidence", lineage.evidence_id, evidence_id);
  }
  if (lineage.control_id !== rest.control_id) {
    throw differs("control", lineage.control_id, rest.control_id);
  }
  // The link is idempotent per (object, control): a re-link returns the existing row with
  // created: false, whatever framework or assessment it was made with, so those are checked
  // only on a row this request created, and only where we sent one. Null or absent where we
  // sent one is accepted (the seed makes both optional).
  if (created) {
    for (const key of ["framework_id", "assessment_id"] as const) {
      const got = lineage[key];
      const sent = rest[key];
      if (got !== null && sent !== undefined && got !== sent) {
        throw differs(key.replace("_id", ""), got, sent);
      }
    }
  }
  return { ...lineage, evidence_id: lineage.evidence_id.toLowerCase() };
}

/** Query string of `GET /evidence` (page[number], page[size], filters, include). */
export function evidenceListQuery(params: ListEvidenceParams = {}): string {
  const own: [string, string][] = [];
  if (params.control !== undefined) own.push(["filter[control_id_eq]", params.control]);
  if (params.include !== undefined) own.push(["include", params.include]);
  const page: [string, string][] = [];
  if (params.pageNumber !== undefined) page.push(["page[number]", String(params.pageNumber)]);
  if (params.pageSize !== undefined) page.push(["page[size]", String(params.pageSize)]);
  const encode = (pairs: [string, string][]) =>
    pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  // Brackets stay literal like the Evident document writes them (`page[number]=2`).
  const all = [...encode(own), ...(params.query ?? []), ...encode(page)];
  return all.length ? `?${all.join("&")}` : "";
}

/** Reads one page of the evidence collection (JSON:API). */
export async function listEvidence(
  api: ApiClient,
  orgId: string,
  params: ListEvidenceParams = {},
  options: CallOptions = {},
): Promise<EvidencePage> {
  return fetchPage(api, `${evidencePaths(orgId).collection}${evidenceListQuery(params)}`, options);
}

const READ_HEADERS = { accept: "application/vnd.api+json, application/json" };

/**
 * The evidence collection's requests for the one `links.next` walker: the first page with the
 * filters, then the server's own `links.next` URLs (same origin only: the client enforces it).
 */
export function evidencePager(orgId: string, params: ListEvidenceParams): Pager {
  const collection = evidencePaths(orgId).collection;
  return {
    page: (n) => ({
      method: "GET",
      path: `${collection}${evidenceListQuery(n === undefined ? params : { ...params, pageNumber: n })}`,
      headers: READ_HEADERS,
    }),
    next: (link) => ({ method: "GET", path: link, headers: READ_HEADERS }),
  };
}

/** The evidence resources of a walked page, checked (sha256 must be a hash: downloads verify it). */
export function evidencePageOf(document: {
  data: unknown;
  included?: unknown;
}): Pick<EvidencePage, "data" | "included"> {
  const data = Array.isArray(document.data) ? document.data : [];
  return {
    data: data.map((r) => evidenceResourceOf(r, "evidence list")),
    included: Array.isArray(document.included)
      ? document.included.map((r) => resourceOf(r, "evidence list"))
      : [],
  };
}

async function fetchPage(
  api: ApiClient,
  path: string,
  options: CallOptions,
): Promise<EvidencePage> {
  const res = await api.request({
    method: "GET",
    path,
    headers: READ_HEADERS,
    signal: options.signal,
  });
  const body = objectOf(res.json(), "evidence list");
  if (!Array.isArray(body.data)) throw unexpected("evidence list", "data");
  const links = isObject(body.links) ? body.links : {};
  return {
    data: body.data.map((r) => evidenceResourceOf(r, "evidence list")),
    included: Array.isArray(body.included)
      ? body.included.map((r) => resourceOf(r, "evidence list"))
      : [],
    links: {
      self: optionalString(links.self),
      next: optionalString(links.next) ?? null,
      prev: optionalString(links.prev) ?? null,
      last: optionalString(links.last) ?? null,
    },
    meta: isObject(body.meta) ? body.meta : {},
  };
}

/** Reads one evidence resource with its lineage rows. */
export async function getEvidence(
  api: ApiClient,
  orgId: string,
  evidenceId: string,
  options: CallOptions = {},
): Promise<EvidenceDocument> {
  const res = await api.request({
    method: "GET",
    // Lineage rows (which controls this evidence is linked to) come as included resources.
    path: `${evidencePaths(orgId).one(evidenceId)}?include=lineage`,
    headers: { accept: "application/vnd.api+json, application/json" },
    signal: options.signal,
  });
  const body = objectOf(res.json(), "evidence");
  return {
    data: evidenceResourceOf(body.data, "evidence"),
    included: Array.isArray(body.included)
      ? body.included.map((r) => resourceOf(r, "evidence"))
      : [],
  };
}

/** Mints a presigned GET URL for the evidence's stored object. */
export async function requestDownloadUrl(
  api: ApiClient,
  orgId: string,
  evidenceId: string,
  options: CallOptions = {},
): Promise<DownloadUrl> {
  const res = await api.request({
    method: "GET",
    path: evidencePaths(orgId).downloadUrl(evidenceId),
    headers: { accept: "application/json" },
    permanentFailure: storageNotConfigured,
    signal: options.signal,
  });
  // Seed 000 names this call (read:evidence) but not its answer: grc needs download_url;
  // size, sha256 and object_key are optional and checked against what was asked.
  const body = objectOf(res.json(), "download-url");
  const downloadUrl = stringField(body, "download_url", "download-url");
  assertSafeStorageUrl(downloadUrl, api.baseUrl, "download");
  const objectKey = optionalString(body.object_key) ?? evidenceId;
  assertSafeObjectKey(objectKey);
  const announced = optionalString(body.sha256);
  if (announced !== undefined && !/^[0-9a-f]{64}$/i.test(announced)) {
    throw unexpected("download-url", "sha256");
  }
  const asked = evidenceId.toLowerCase();
  // The evidence id is the content's SHA-256: the download is checked against the id asked
  // for, and an answer announcing another hash is about another evidence.
  if (announced !== undefined && announced.toLowerCase() !== asked) {
    throw new AnotherEvidenceError(
      `download-url answered for another evidence (SHA-256 ${announced.toLowerCase()}), not the ${asked} asked for`,
    );
  }
  return {
    download_url: downloadUrl,
    object_key: objectKey,
    expires_in: optionalNumber(body.expires_in) ?? 0,
    sha256: asked,
    size: optionalNumber(body.size),
  };
}

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
  const shown = JSON.stringify(objectKey.slice(0, 200));
  if (control !== undefined) {
    const code = `U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new ContradictingAnswerError(
      `the server returned an unsafe object key ${shown} (it holds the control character ${code}, most likely echoed from the file name)`,
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
      `the server returned an unsafe object key ${shown} (absolute or path traversal)`,
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

function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unexpected(what: string, field: string): UnavailableError {
  return new UnavailableError(
    `the server returned an unexpected ${what} response (missing or invalid "${field}")`,
    "check that the base URL points at a Sovereign GRC API",
  );
}

function objectOf(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw unexpected(what, "body");
  return v;
}

function stringField(body: Record<string, unknown>, key: string, what: string): string {
  const v = body[key];
  if (typeof v !== "string" || v.length === 0) throw unexpected(what, key);
  return v;
}

/** Ids may come back as numbers from some deployments; keep them as text. */
function idField(body: Record<string, unknown>, key: string, what: string): string {
  const v = body[key];
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return stringField(body, key, what);
}

/** A non-negative number, or its decimal text ("3600"): harmless either way. */
function optionalNumber(v: unknown): number | undefined {
  const n =
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function numberField(body: Record<string, unknown>, key: string, what: string): number {
  const n = optionalNumber(body[key]);
  if (n === undefined) throw unexpected(what, key);
  return n;
}

/** true/false, or their text ("true", "False"); undefined for anything else. */
function booleanOf(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) {
    return v.trim().toLowerCase() === "true";
  }
  return undefined;
}

function optionalString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function resourceOf(v: unknown, what: string): JsonApiResource {
  if (!isObject(v) || (typeof v.id !== "string" && typeof v.id !== "number")) {
    throw unexpected(what, "data.id");
  }
  return {
    id: String(v.id),
    type: typeof v.type === "string" ? v.type : "",
    attributes: isObject(v.attributes) ? v.attributes : {},
    ...(isObject(v.relationships)
      ? { relationships: v.relationships as JsonApiResource["relationships"] }
      : {}),
    ...(isObject(v.links) ? { links: v.links as Record<string, string> } : {}),
  };
}

/** An `evidence` resource with its attributes checked (sha256 must be a hash: downloads verify it). */
function evidenceResourceOf(v: unknown, what: string): JsonApiResource<EvidenceAttributes> {
  const r = resourceOf(v, what);
  const a = r.attributes;
  const sha256 = typeof a.sha256 === "string" ? a.sha256 : r.id;
  if (!/^[0-9a-f]{64}$/i.test(sha256)) throw unexpected(what, "attributes.sha256");
  const attributes: EvidenceAttributes = {
    sha256: sha256.toLowerCase(),
    size: typeof a.size === "number" ? a.size : 0,
    content_type: typeof a.content_type === "string" ? a.content_type : "",
    filename: typeof a.filename === "string" ? a.filename : "",
    object_keys: Array.isArray(a.object_keys)
      ? a.object_keys.filter((k): k is string => typeof k === "string")
      : [],
    created_at: typeof a.created_at === "string" ? a.created_at : "",
  };
  return { ...r, attributes };
}

/** Checks a user-typed SHA-256 (evidence id or expected hash) and returns it lower-cased. */
export function parseSha256(text: string, what: string): string {
  const value = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(value)) {
    throw new UsageError(
      `${what} must be a SHA-256 (64 hex characters), got "${value.slice(0, 80)}"`,
      "the evidence id is the file's SHA-256, e.g. from `sha256sum FILE` or `grc evidence list`",
    );
  }
  return value.toLowerCase();
}

/** An evidence resource flattened for output, with the controls of its included lineage rows. */
export interface EvidenceRecord {
  id: string;
  filename: string;
  size: number;
  content_type: string;
  created_at: string;
  object_keys: string[];
  controls: string[];
}

/** Flattens an evidence resource; `controls` come from included `evidence_lineages` rows. */
export function evidenceRecord(
  resource: JsonApiResource<EvidenceAttributes>,
  included: readonly JsonApiResource[],
): EvidenceRecord {
  const rows = lineageRows(resource, included);
  const controls = [...new Set(rows.map((r) => r.control_id).filter((c) => c !== ""))];
  const a = resource.attributes;
  return {
    id: resource.id,
    filename: a.filename,
    size: a.size,
    content_type: a.content_type,
    created_at: a.created_at,
    object_keys: a.object_keys,
    controls,
  };
}

/** A lineage row (evidence linked to a control) as `get` prints it. */
export interface LineageRecord {
  lineage_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  object_key: string | null;
  created_at: string | null;
}

/** The included `evidence_lineages` rows that belong to `resource` (all of them when it names none). */
export function lineageRows(
  resource: Pick<JsonApiResource, "relationships">,
  included: readonly JsonApiResource[],
): LineageRecord[] {
  const linkage = resource.relationships?.lineage?.data;
  const ids = Array.isArray(linkage)
    ? new Set(
        linkage
          .filter(isObject)
          .map((l) => String(l.id ?? ""))
          .filter((id) => id !== ""),
      )
    : undefined;
  return included
    .filter((r) => r.type === "evidence_lineages" && (!ids || ids.has(r.id)))
    .map((r) => ({
      lineage_id: r.id,
      control_id: optionalString(r.attributes.control_id) ?? "",
      framework_id: optionalString(r.attributes.framework_id) ?? null,
      assessment_id: optionalString(r.attributes.assessment_id) ?? null,
      object_key: optionalString(r.attributes.object_key) ?? null,
      created_at: optionalString(r.attributes.created_at) ?? null,
    }));
}
