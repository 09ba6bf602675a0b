/**
 * Evidence read (the JSON:API side of seed 000): list, one evidence with its lineage rows,
 * and a presigned download URL.
 */
import type {
  CallOptions,
  DownloadUrl,
  EvidenceAttributes,
  EvidenceDocument,
  EvidencePage,
  JsonApiResource,
  ListEvidenceParams,
} from "../../core/platform.js";
import type { Pager } from "../../core/query/walker.js";
import type { ApiClient } from "../../http/types.js";
import { explained, storageNotConfigured } from "./errors.js";
import {
  isObject,
  objectOf,
  optionalNumber,
  optionalString,
  stringField,
  unexpected,
} from "./fields.js";
import { evidencePaths } from "./paths.js";
import { AnotherEvidenceError, assertSafeObjectKey, assertSafeStorageUrl } from "./safety.js";

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
  const res = await explained(() =>
    api.request({
      method: "GET",
      path,
      headers: READ_HEADERS,
      signal: options.signal,
    }),
  );
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
  const res = await explained(() =>
    api.request({
      method: "GET",
      // Lineage rows (which controls this evidence is linked to) come as included resources.
      path: `${evidencePaths(orgId).one(evidenceId)}?include=lineage`,
      headers: { accept: "application/vnd.api+json, application/json" },
      signal: options.signal,
    }),
  );
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
  const res = await explained(() =>
    api.request({
      method: "GET",
      path: evidencePaths(orgId).downloadUrl(evidenceId),
      headers: { accept: "application/json" },
      permanentFailure: storageNotConfigured,
      signal: options.signal,
    }),
  );
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

export function resourceOf(v: unknown, what: string): JsonApiResource {
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
export function evidenceResourceOf(v: unknown, what: string): JsonApiResource<EvidenceAttributes> {
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
