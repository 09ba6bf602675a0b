/**
 * What the core needs from a platform, in one place. Each platform implements these in its own
 * folder under src/platforms/<name>/ (paths, body shapes, its error dialect); the core and the
 * commands depend on these interfaces, never on a platform module's own types.
 *
 * Wire names stay snake_case (the documents' names, and what `--output json` prints).
 */

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
  requestUploadUrl(params: UploadUrlParams, options?: CallOptions): Promise<UploadUrl>;
  verifyObject(objectKey: string, sha256: string, options?: VerifyOptions): Promise<VerifyResult>;
  linkToControl(params: LinkParams, options?: CallOptions): Promise<Lineage>;
}

// ---------------------------------------------------------------------------------------------
// Errors: each platform classifies the errors of its dialect once, where they arise.

/**
 * What an error means for a run: `fatal` stops the whole run (bad credentials, the scope is
 * wrong for every file, storage not configured), `retryable` may succeed on a later attempt,
 * `file` fails this one item only.
 */
export type ErrorClass = "fatal" | "retryable" | "file";
