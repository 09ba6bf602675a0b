/**
 * Sovereign GRC evidence API (seed 000): every path, body and response shape of the evidence
 * endpoints lives in this folder, behind typed functions over the one ApiClient.
 *
 * - paths.ts    the evidence paths and the organization they need
 * - upload.ts   upload-url, verify, link-to-control (evidence upload)
 * - read.ts     list, get, download-url (evidence read)
 * - records.ts  evidence flattened for output; SHA-256 ids typed by a user
 * - safety.ts   checks on presigned URLs and object keys the server hands us
 * - fields.ts   liberal readers of the answers' fields
 * - errors.ts   the error dialect (classify, hints; "storage is not configured")
 * - platform.ts createSovereignPlatform(profile, connect)
 */
export type {
  CallOptions,
  DownloadUrl,
  EvidenceAttributes,
  EvidenceDocument,
  EvidencePage,
  JsonApiResource,
  Lineage,
  LinkParams,
  ListEvidenceParams,
  UploadUrl,
  UploadUrlParams,
  VerifyOptions,
  VerifyResult,
} from "../../core/platform.js";
export {
  explained,
  isStorageNotConfigured,
  missingScope,
  sovereignErrors,
  sovereignHint,
  storageNotConfigured,
} from "./errors.js";
export { evidencePaths, orgIdOf } from "./paths.js";
export {
  createSovereignPlatform,
  type SovereignEvidenceApi,
  type SovereignPlatform,
  sovereignEvidence,
} from "./platform.js";
export {
  evidenceListQuery,
  evidencePageOf,
  evidencePager,
  getEvidence,
  listEvidence,
  requestDownloadUrl,
} from "./read.js";
export {
  type EvidenceRecord,
  evidenceRecord,
  type LineageRecord,
  lineageRows,
  parseSha256,
} from "./records.js";
export {
  AnotherEvidenceError,
  assertSafeObjectKey,
  assertSafeStorageUrl,
  ContradictingAnswerError,
} from "./safety.js";
export { linkToControl, requestUploadUrl, verifyObject } from "./upload.js";
