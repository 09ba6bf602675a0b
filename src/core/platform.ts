/**
 * What the core needs from a platform, in one place. Each platform implements these in its own
 * folder under src/platforms/<name>/ (paths, body shapes, its error dialect); the core and the
 * commands depend on these interfaces, never on a platform module's own types.
 *
 * A platform implements the parts it supports:
 * - `evidence`: upload (upload-url, verify, link) and read (list, get, download-url);
 * - `collections`: a JSON:API collection query (the requests of a `links.next` walk);
 * - `records`: record modules listed page by page;
 * - `errors`: its error dialect (always): what an error means for a run, and what to tell a user.
 *
 * Wire names stay snake_case (the documents' names, and what `--output json` prints).
 */
import type { HttpError } from "../errors.js";
import type { ApiRequest } from "../http/types.js";
import type { QuerySpec } from "./query/query-spec.js";
import type { Pager } from "./query/walker.js";

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

// ---------------------------------------------------------------------------------------------
// Evidence upload: a presigned upload slot, the PUT to storage, verify, link to a control.

/** Body of `POST /upload-url`. */
export interface UploadUrlParams {
  filename: string;
  content_type: string;
  control_id: string;
  framework_id?: string | undefined;
  assessment_id?: string | undefined;
}

/** A presigned upload slot: PUT the bytes to `upload_url`, then carry `object_key` on. */
export interface UploadUrl {
  upload_url: string;
  object_key: string;
  /** Seconds the URL stays valid from the moment the server minted it. */
  expires_in: number;
  /** Largest object storage accepts, in bytes. */
  max_size: number;
}

/**
 * Result of `POST /verify`. Seed 000 documents no response body, only that the server
 * recomputes the stored SHA-256 and checks it against `expected_hash`; see docs/platforms.md
 * for how a verdict is read from whatever the server sends.
 */
export interface VerifyResult {
  verified: boolean;
  /** The object asked about (a server answering about another object is a mismatch). */
  object_key: string;
  /** The hash we sent (lower case). */
  expected_hash: string;
  /** The stored object's SHA-256 when the server said it (lower case). */
  actual_hash: string | undefined;
  /** The stored object's size in bytes when the server said it. */
  size: number | undefined;
  /** Why the stored object is not the file (set when `verified` is false). */
  detail?: string | undefined;
}

/** Cross-checks a verify answer against the local file; `size` is its length when known. */
export interface VerifyOptions extends CallOptions {
  size?: number | undefined;
}

/** Body of `POST /{evidence_id}/link-to-control` plus the evidence id (the content SHA-256). */
export interface LinkParams {
  evidence_id: string;
  object_key: string;
  control_id: string;
  framework_id?: string | undefined;
  assessment_id?: string | undefined;
}

/** An EvidenceLineage row; `created: false` means the link already existed (a success). */
export interface Lineage {
  lineage_id: string;
  evidence_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  created: boolean;
}

/** The evidence-upload steps bound to one client and organization (what the push core needs). */
export interface EvidenceUploadApi {
  readonly baseUrl: string;
  readonly orgId: string;
  /** The platform's error dialect: what an error of these calls means for a run. */
  readonly errors: ErrorDialect;
  requestUploadUrl(params: UploadUrlParams, options?: CallOptions): Promise<UploadUrl>;
  verifyObject(objectKey: string, sha256: string, options?: VerifyOptions): Promise<VerifyResult>;
  linkToControl(params: LinkParams, options?: CallOptions): Promise<Lineage>;
}

// ---------------------------------------------------------------------------------------------
// Evidence read: the evidence collection (JSON:API), one evidence with its lineage, a download URL.

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

/** The evidence read calls bound to one client and organization. */
export interface EvidenceReadApi {
  listEvidence(params?: ListEvidenceParams, options?: CallOptions): Promise<EvidencePage>;
  /** The requests of a walk over the evidence collection (for src/core/query/walker.ts). */
  evidencePager(params: ListEvidenceParams): Pager;
  getEvidence(evidenceId: string, options?: CallOptions): Promise<EvidenceDocument>;
  requestDownloadUrl(evidenceId: string, options?: CallOptions): Promise<DownloadUrl>;
}

// ---------------------------------------------------------------------------------------------
// Collection query: the requests of a JSON:API walk (src/core/query/walker.ts reads the pages).

/** A collection a query runs against. */
export interface CollectionTarget {
  /** What the user typed (`alerts`, `reports/12/alerts`). */
  name: string;
  /** Resource type of its members, for default columns (`alerts`). */
  type: string;
  /** Path relative to the base URL. */
  path: string;
  /** Whether the server takes the PUT search form. */
  putSearch: boolean;
}

/** How a search is sent: `auto` picks PUT only when the GET URL would pass the limit. */
export type SearchMethod = "auto" | "get" | "put";

/** What a collection walk needs to build its requests. */
export interface CollectionPagerInit {
  target: CollectionTarget;
  spec: QuerySpec;
  baseUrl: string;
  searchMethod: SearchMethod;
  /** page[size] for every page (the first page uses the spec's own). */
  pageSize?: number;
  /** True when more than the first page may be asked for (decides the URL-length margin). */
  walking: boolean;
}

/** A pager plus the method it settled on (GET query or PUT search). */
export interface CollectionPager extends Pager {
  method: "GET" | "PUT";
}

/** The collection query of a platform (`grc list`, `grc get`, snapshots, the MCP tools). */
export interface CollectionQueryApi {
  /** Resolves a collection name as typed (`alerts`, `alerts.json`); exit 2 for a bad one. */
  collection(name: string): CollectionTarget;
  /** The requests of a walk over `init.target`. */
  pager(init: CollectionPagerInit): CollectionPager;
  /** The request for one resource of a collection, with `include` when asked. */
  resource(
    type: string,
    id: string,
    include: readonly string[],
  ): { collection: CollectionTarget; request: ApiRequest };
  /** Lines a rejected query (422) prints: the server's reasons, one per line. */
  rejectionLines(err: HttpError): string[];
}

// ---------------------------------------------------------------------------------------------
// Record lists: modules of records listed page by page (`action=list`).

/** One page of a record list. */
export interface RecordPage<T = Record<string, unknown>> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
  totalPages: number;
}

/** Lists the records of a module, one page or every page. */
export interface RecordListApi<M extends string = string> {
  /** One page with the module's filters (checked before sending; exit 2 for a bad one). */
  list(
    module: M,
    filters?: Record<string, unknown>,
    paging?: { page?: number; perPage?: number },
  ): Promise<RecordPage>;
  /** Every page, one at a time, until the last (or a page that brings nothing new). */
  listAll(
    module: M,
    filters?: Record<string, unknown>,
    perPage?: number,
  ): AsyncIterable<RecordPage>;
}

// ---------------------------------------------------------------------------------------------
// Errors: each platform classifies the errors of its dialect once, where they arise.

/**
 * What an error means for a run: `fatal` stops the whole run (bad credentials, the scope is
 * wrong for every file, storage not configured), `retryable` may succeed on a later attempt,
 * `file` fails this one item only.
 */
export type ErrorClass = "fatal" | "retryable" | "file";

/** What an error was about, for the line a user reads (`no alerts with id "7"`). */
export interface ErrorSubject {
  collection?: string | undefined;
  id?: string | undefined;
}

/**
 * A platform's error dialect: its error codes and texts, read once where they arise. The HTTP
 * layer turns an answer into an HttpError (status, code, details); the dialect says what it
 * means for a run and what a user should do about it.
 */
export interface ErrorDialect {
  /** What the error means for a run of many items (see ErrorClass). */
  classify(err: unknown): ErrorClass;
  /**
   * The error a user should read: the same error with the platform's hint (or a clearer line
   * and exit code) when the dialect knows the case; any other error is returned unchanged.
   */
  explain(err: unknown, about?: ErrorSubject): unknown;
}

// ---------------------------------------------------------------------------------------------
// A platform: the parts it supports, bound to one client and profile.

/** The profile fields a platform may read (paths of its modules, the organization). */
export interface PlatformProfile {
  name: string;
  orgId?: string | undefined;
  paths?: Readonly<Record<string, string>> | undefined;
}

/** One platform, as `createXPlatform(profile, connect)` in src/platforms/<name>/ builds it. */
export interface Platform {
  /** The platform's name as a profile names it. */
  readonly name: string;
  readonly errors: ErrorDialect;
  readonly evidence?: EvidenceUploadApi & EvidenceReadApi;
  readonly collections?: CollectionQueryApi;
  readonly records?: RecordListApi;
}
