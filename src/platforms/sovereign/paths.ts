/** Every Sovereign evidence path (seed 000), built in one place from the organization id. */
import { setupError } from "../../core/config/setup.js";
import type { ResolvedProfile } from "../../core/config/types.js";
import type { PlatformProfile } from "../../core/platform.js";
import { UsageError } from "../../errors.js";

/** The profile's organization id, which every evidence path needs. */
export function orgIdOf(
  profile: Pick<PlatformProfile, "orgId" | "name"> &
    Partial<Pick<ResolvedProfile, "baseUrl" | "credential">>,
): string {
  if (!profile.orgId) {
    // Nothing configured: name everything missing at once (src/core/config/setup.ts).
    if (profile.credential) {
      const notSetUp = setupError(
        {
          ...profile,
          orgId: profile.orgId,
          baseUrl: profile.baseUrl,
          credential: profile.credential,
        },
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
