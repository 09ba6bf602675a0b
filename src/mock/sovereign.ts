import { randomUUID } from "node:crypto";
import { isMinimal, minimalJsonApi, reverseKeys } from "./dialect.js";
import { type BearerPrincipal, bearerPrincipals, hasScope } from "./identity.js";
import type { JsonApiResponse } from "./jsonapi/document.js";
import { readJsonApiParams } from "./jsonapi/params.js";
import type { ResourceTypeSpec, StoredResource } from "./jsonapi/resources.js";
import { JsonApiStore } from "./jsonapi/store.js";
import type { ObjectStore } from "./storage.js";
import type { MockPlatform, MockReply, MockRequest, MockRouterContext } from "./types.js";

/**
 * Sovereign GRC's evidence API (seed 000) as the mock serves it: Bearer `sk-` keys with
 * scopes, the four-step flow (upload-url, presigned PUT to the storage origin, verify,
 * link-to-control) and the read side (collection, one evidence, download URL). Error texts
 * are the seed's; bodies are FastAPI-like `{detail}`.
 */

/** Default lifetime of presigned URLs, seconds. */
export const DEFAULT_URL_TTL_SECONDS = 900;
/** Default largest object upload-url allows: 5 GiB, S3's single-PUT limit. */
export const DEFAULT_MAX_SIZE = 5 * 1024 ** 3;

const PREFIX = /^\/api\/v1\/orgs\/([^/]+)\/evidence(?:\/(.*))?$/;
const SHA256 = /^[0-9a-f]{64}$/;
const JSONAPI = "application/vnd.api+json";

/** The evidence collection's types for the JSON:API engine. */
const EVIDENCE_TYPES: readonly ResourceTypeSpec[] = [
  {
    type: "evidence",
    attributes: ["sha256", "size", "content_type", "filename", "object_keys", "created_at"],
    relationships: { lineage: { type: "evidence_lineages", many: true } },
  },
  {
    type: "evidence_lineages",
    attributes: [
      "evidence_id",
      "control_id",
      "framework_id",
      "assessment_id",
      "object_key",
      "created_at",
    ],
    relationships: { evidence: { type: "evidence" } },
  },
];

/** An EvidenceLineage row: one evidence (content hash) tied to one control. */
export interface LineageRow {
  lineage_id: string;
  evidence_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  object_key: string;
  org_id: string;
  created_at: string;
}

/** One evidence: distinct content (by SHA-256) that has been linked at least once. */
interface EvidenceRecord {
  sha256: string;
  size: number;
  content_type: string;
  filename: string;
  object_keys: string[];
  /** Its lineage rows, oldest first (kept here so a link never scans every row). */
  lineage_ids: string[];
  org_id: string;
  created_at: string;
}

/** What upload-url was asked for, remembered per object key (filename for the read side). */
interface PendingUpload {
  filename: string;
  content_type: string;
  control_id: string;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): MockReply {
  return {
    status,
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

function jsonApi(status: number, body: unknown): MockReply {
  return { status, headers: { "Content-Type": JSONAPI }, body: JSON.stringify(body) };
}

const detail = (status: number, text: string, extra: Record<string, unknown> = {}) =>
  json(status, { detail: text, ...extra });

/** Keeps a file name safe as the last segment of an object key. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    // A run of dots becomes one: no segment holds ".." ("0.." included).
    .replace(/\.{2,}/g, ".")
    .replace(/^[._-]+/, "")
    .slice(0, 200);
  return cleaned === "" ? "file" : cleaned;
}

function optionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === "string";
}

/** Creates the Sovereign evidence router; `store` undefined means storage is not configured. */
export function createSovereignPlatform(
  ctx: MockRouterContext,
  store: ObjectStore | undefined,
): MockPlatform {
  const principals = bearerPrincipals(ctx.identity);
  const minimal = isMinimal(ctx);
  /** A success body: the minimal dialect sends the same members in another order. */
  const answer = (body: Record<string, unknown>) => json(200, minimal ? reverseKeys(body) : body);
  const ttl = ctx.options.uploadUrlTtlSeconds ?? DEFAULT_URL_TTL_SECONDS;
  const maxSize = ctx.options.maxSize ?? DEFAULT_MAX_SIZE;
  let pending = new Map<string, PendingUpload>();
  let evidence = new Map<string, EvidenceRecord>();
  let lineage: LineageRow[] = [];
  let lineageIndex = new Map<string, LineageRow>();

  const authenticate = (
    req: MockRequest,
    orgId: string,
    scopes: string[],
  ): BearerPrincipal | MockReply => {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m ? principals.find((p) => p.apiKey === m[1]) : undefined;
    if (!principal) {
      return json(401, { detail: "invalid or missing API key" }, { "WWW-Authenticate": "Bearer" });
    }
    if (!principal.orgIds.includes(orgId)) {
      return detail(403, "not a member of this organization");
    }
    if (!scopes.some((s) => hasScope(principal.scopes, s))) {
      const required = scopes[0]!;
      return detail(
        403,
        `missing required scope: ${required}`,
        minimal ? {} : { required_scope: required },
      );
    }
    return principal;
  };

  const parseBody = (req: MockRequest): Record<string, unknown> | MockReply => {
    if (req.body.length === 0) return detail(422, "request body is required (JSON object)");
    try {
      const value: unknown = JSON.parse(req.body.toString("utf8"));
      if (value && typeof value === "object" && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // fall through
    }
    return detail(422, "request body must be a JSON object");
  };

  const inOrg = (orgId: string, key: string) => key.startsWith(`orgs/${orgId}/evidence/`);
  const storageOff = () => detail(503, "object storage is not configured");

  const uploadUrl = async (req: MockRequest, orgId: string): Promise<MockReply> => {
    const body = parseBody(req);
    if ("status" in body && typeof body.status === "number") return body as MockReply;
    const b = body as Record<string, unknown>;
    const { filename, content_type, control_id, framework_id, assessment_id } = b;
    if (typeof filename !== "string" || filename.trim() === "") {
      return detail(422, "filename is required");
    }
    if (typeof content_type !== "string" || !/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(content_type)) {
      return detail(422, "content_type must be a MIME type such as text/csv");
    }
    if (typeof control_id !== "string" || control_id.trim() === "") {
      return detail(422, "control_id is required");
    }
    if (!optionalString(framework_id) || !optionalString(assessment_id)) {
      return detail(422, "framework_id and assessment_id must be strings when given");
    }
    if (!store) return storageOff();
    const objectKey = `orgs/${orgId}/evidence/${randomUUID()}/${sanitizeFilename(filename)}`;
    pending.set(objectKey, { filename, content_type, control_id });
    const url = await store.presign("PUT", objectKey, content_type, ttl, ctx.now());
    return answer({ upload_url: url, object_key: objectKey, expires_in: ttl, max_size: maxSize });
  };

  const verify = async (req: MockRequest, orgId: string): Promise<MockReply> => {
    if (!store) return storageOff();
    const objectKey = req.url.searchParams.get("object_key");
    const expected = req.url.searchParams.get("expected_hash");
    if (!objectKey || !expected) {
      return detail(422, "object_key and expected_hash query parameters are required");
    }
    const digest = inOrg(orgId, objectKey) ? await store.digest(objectKey) : undefined;
    if (!digest) return detail(404, "object not found");
    const expectedHash = expected.toLowerCase();
    const verified = digest.sha256 === expectedHash;
    // Seed 000 documents no verify body; the least a server may say is its verdict, with 200.
    if (minimal) return json(200, { verified });
    if (!verified) {
      return json(422, {
        detail: "hash mismatch: stored object has a different SHA-256",
        object_key: objectKey,
        expected_hash: expectedHash,
        actual_hash: digest.sha256,
        verified: false,
      });
    }
    return json(200, {
      object_key: objectKey,
      expected_hash: expectedHash,
      actual_hash: digest.sha256,
      size: digest.size,
      verified: true,
    });
  };

  const link = async (req: MockRequest, orgId: string, evidenceId: string): Promise<MockReply> => {
    if (!store) return storageOff();
    const body = parseBody(req);
    if ("status" in body && typeof body.status === "number") return body as MockReply;
    const { control_id, framework_id, assessment_id, object_key } = body as Record<string, unknown>;
    if (typeof control_id !== "string" || control_id.trim() === "") {
      return detail(422, "control_id is required");
    }
    if (!optionalString(framework_id) || !optionalString(assessment_id)) {
      return detail(422, "framework_id and assessment_id must be strings when given");
    }
    if (object_key !== undefined && typeof object_key !== "string") {
      return detail(422, "object_key must be a string");
    }
    const id = evidenceId.toLowerCase();
    let key = object_key;
    if (key === undefined) {
      // Without an object_key the evidence must already be known by its hash.
      key = evidence.get(id)?.org_id === orgId ? evidence.get(id)!.object_keys.at(-1) : undefined;
      if (key === undefined) return detail(404, "object not found");
    }
    // The hash recorded at upload time is of the stored bytes; verify is what re-reads them.
    const digest = inOrg(orgId, key) ? await store.stat(key) : undefined;
    if (!digest) return detail(404, "object not found");
    if (!SHA256.test(id) || digest.sha256 !== id) {
      return detail(422, "evidence_id does not match the SHA-256 of the stored object");
    }
    const now = ctx.now().toISOString();
    let record = evidence.get(id);
    if (!record) {
      record = {
        sha256: id,
        size: digest.size,
        content_type: digest.content_type,
        filename: pending.get(key)?.filename ?? key.split("/").pop()!,
        object_keys: [],
        lineage_ids: [],
        org_id: orgId,
        created_at: now,
      };
      evidence.set(id, record);
    }
    if (!record.object_keys.includes(key)) record.object_keys.push(key);
    // Idempotent on (content hash, control): a fresh upload of the same bytes finds the row.
    const indexKey = `${orgId}\n${id}\n${control_id}`;
    const existing = lineageIndex.get(indexKey);
    const row: LineageRow = existing ?? {
      lineage_id: randomUUID(),
      evidence_id: id,
      control_id,
      framework_id: framework_id ?? null,
      assessment_id: assessment_id ?? null,
      object_key: key,
      org_id: orgId,
      created_at: now,
    };
    if (!existing) {
      lineage.push(row);
      record.lineage_ids.push(row.lineage_id);
      lineageIndex.set(indexKey, row);
      documents.upsert(lineageResource(row));
    }
    documents.upsert(evidenceResource(record));
    return answer({
      lineage_id: row.lineage_id,
      evidence_id: row.evidence_id,
      control_id: row.control_id,
      framework_id: row.framework_id,
      assessment_id: row.assessment_id,
      created: !existing,
    });
  };

  // The read side is served by the shared JSON:API engine, so evidence pages, filters,
  // sorts and includes work exactly like Evident's collections.
  const engine = () =>
    new JsonApiStore(EVIDENCE_TYPES, {
      baseUrl: ctx.baseUrl,
      resourcePath: (type, id) =>
        type === "evidence" ? `/api/v1/orgs/${ctx.identity.orgId}/evidence/${id}` : undefined,
    });
  let documents = engine();

  const evidenceResource = (rec: EvidenceRecord): StoredResource => ({
    id: rec.sha256,
    type: "evidence",
    attributes: {
      sha256: rec.sha256,
      size: rec.size,
      content_type: rec.content_type,
      filename: rec.filename,
      object_keys: [...rec.object_keys],
      created_at: rec.created_at,
    },
    relationships: { lineage: [...rec.lineage_ids] },
  });

  const lineageResource = (row: LineageRow): StoredResource => ({
    id: row.lineage_id,
    type: "evidence_lineages",
    attributes: {
      evidence_id: row.evidence_id,
      control_id: row.control_id,
      framework_id: row.framework_id,
      assessment_id: row.assessment_id,
      object_key: row.object_key,
      created_at: row.created_at,
    },
    relationships: { evidence: row.evidence_id },
  });

  /** Engine answers as Sovereign answers: JSON:API documents, FastAPI-like `{detail}` errors. */
  const fromEngine = (r: JsonApiResponse): MockReply => {
    if (r.document.errors) {
      return detail(r.status, r.document.errors.map((e) => e.title).join("; "));
    }
    return jsonApi(r.status, minimal ? minimalJsonApi(r.document, ctx.baseUrl()) : r.document);
  };

  /** `filter[control_id_eq]` means "linked to control": a term on the lineage rows. */
  const searchPairs = (q: URLSearchParams): [string, string][] =>
    [...q].map(([k, v]) => {
      const m = /^filter\[((?:control|framework|assessment)_id_[a-z_]+)\](.*)$/.exec(k);
      return [m ? `filter[lineage_${m[1]}]${m[2]}` : k, v];
    });

  const listEvidence = (req: MockRequest): MockReply => {
    const params = readJsonApiParams(searchPairs(req.url.searchParams));
    return fromEngine(documents.list("evidence", params, req.url.pathname));
  };

  const findEvidence = (orgId: string, id: string) => {
    const rec = evidence.get(id.toLowerCase());
    return rec && rec.org_id === orgId ? rec : undefined;
  };

  const getEvidence = (req: MockRequest, orgId: string, id: string): MockReply => {
    const rec = findEvidence(orgId, id);
    if (!rec) return detail(404, "evidence not found");
    const q = new URLSearchParams(req.url.searchParams);
    // One evidence always comes with its lineage rows.
    if (!q.has("include")) q.set("include", "lineage");
    return fromEngine(
      documents.one("evidence", rec.sha256, readJsonApiParams(q), req.url.pathname),
    );
  };

  const downloadUrl = async (orgId: string, id: string): Promise<MockReply> => {
    if (!store) return storageOff();
    const rec = findEvidence(orgId, id);
    if (!rec) return detail(404, "evidence not found");
    const key = rec.object_keys.at(-1)!;
    const url = await store.presign("GET", key, "", ttl, ctx.now());
    // The read side is not in seed 000: minimal sends what a download needs, and an extra.
    if (minimal) return answer({ download_url: url, expires_in: ttl, mock_unlisted: "ignore me" });
    return json(200, {
      download_url: url,
      object_key: key,
      expires_in: ttl,
      sha256: rec.sha256,
      size: rec.size,
    });
  };

  const handle = async (req: MockRequest): Promise<MockReply | undefined> => {
    const m = PREFIX.exec(req.url.pathname);
    if (!m) {
      if (req.url.pathname.startsWith("/api/v1/")) return detail(404, "Not Found");
      return undefined;
    }
    const orgId = decodeURIComponent(m[1]!);
    const rest = m[2] ?? "";
    const method = req.method;
    const route = (
      allowed: string,
      scopes: string[],
      run: () => Promise<MockReply> | MockReply,
    ): Promise<MockReply> | MockReply => {
      if (method !== allowed) return detail(405, "Method Not Allowed", {});
      const who = authenticate(req, orgId, scopes);
      if ("status" in who) return who;
      return run();
    };
    if (rest === "upload-url")
      return route("POST", ["write:evidence"], () => uploadUrl(req, orgId));
    if (rest === "verify") {
      return route("POST", ["write:evidence", "read:evidence"], () => verify(req, orgId));
    }
    if (rest === "") return route("GET", ["read:evidence"], () => listEvidence(req));
    const parts = rest.split("/");
    const id = decodeURIComponent(parts[0]!);
    if (parts.length === 2 && parts[1] === "link-to-control") {
      return route("POST", ["write:evidence"], () => link(req, orgId, id));
    }
    if (parts.length === 2 && parts[1] === "download-url") {
      return route("GET", ["read:evidence"], () => downloadUrl(orgId, id));
    }
    if (parts.length === 1) {
      return route("GET", ["read:evidence"], () => getEvidence(req, orgId, id));
    }
    return detail(404, "Not Found");
  };

  return {
    name: "sovereign",
    handle,
    snapshot: () => ({
      evidence: [...evidence.values()].map((e) => ({
        ...e,
        object_keys: [...e.object_keys],
        lineage_ids: [...e.lineage_ids],
      })),
      lineage: lineage.map((l) => ({ ...l })),
    }),
    reset() {
      pending = new Map();
      evidence = new Map();
      lineage = [];
      lineageIndex = new Map();
      documents = engine();
    },
  };
}
