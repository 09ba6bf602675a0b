/** The Sovereign GRC platform: evidence upload and read bound to one client and organization. */
import type {
  EvidenceReadApi,
  EvidenceUploadApi,
  Platform,
  PlatformProfile,
} from "../../core/platform.js";
import type { ApiClient } from "../../http/types.js";
import { sovereignErrors } from "./errors.js";
import { orgIdOf } from "./paths.js";
import { evidencePager, getEvidence, listEvidence, requestDownloadUrl } from "./read.js";
import { linkToControl, requestUploadUrl, verifyObject } from "./upload.js";

/** The evidence endpoints bound to one client and organization. */
export interface SovereignEvidenceApi extends EvidenceUploadApi, EvidenceReadApi {}

/** Binds the evidence endpoints to a client and an organization. */
export function sovereignEvidence(api: ApiClient, orgId: string): SovereignEvidenceApi {
  return {
    baseUrl: api.baseUrl,
    orgId,
    errors: sovereignErrors,
    requestUploadUrl: (p, o) => requestUploadUrl(api, orgId, p, o),
    verifyObject: (k, h, o) => verifyObject(api, orgId, k, h, o),
    linkToControl: (p, o) => linkToControl(api, orgId, p, o),
    listEvidence: (p, o) => listEvidence(api, orgId, p, o),
    evidencePager: (p) => evidencePager(orgId, p),
    getEvidence: (id, o) => getEvidence(api, orgId, id, o),
    requestDownloadUrl: (id, o) => requestDownloadUrl(api, orgId, id, o),
  };
}

/** Sovereign GRC: evidence (upload and read) and its error dialect. */
export interface SovereignPlatform extends Platform {
  readonly name: "sovereign";
  readonly evidence: SovereignEvidenceApi;
}

/**
 * Builds the platform for a profile. The profile is checked first (every evidence path needs
 * the organization), then the client is opened.
 */
export async function createSovereignPlatform(
  profile: PlatformProfile,
  connect: () => Promise<ApiClient>,
): Promise<SovereignPlatform> {
  const orgId = orgIdOf(profile);
  const api = await connect();
  return { name: "sovereign", errors: sovereignErrors, evidence: sovereignEvidence(api, orgId) };
}
