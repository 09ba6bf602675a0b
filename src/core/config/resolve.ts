// Placeholder until the config store lands (issue 2): flags and environment only.
import type { ProfileFlags, ResolvedProfile } from "./types.js";

/** Resolves the profile a command runs with: flags, then environment, then the stored profile. */
export async function resolveProfile(
  flags: ProfileFlags,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedProfile> {
  return {
    name: flags.profile ?? env.GRC_PROFILE ?? "default",
    platform: undefined,
    baseUrl: flags.baseUrl ?? env.GRC_BASE_URL,
    orgId: flags.org ?? env.GRC_ORG_ID,
    credential: env.GRC_API_KEY ? { kind: "bearer", apiKey: env.GRC_API_KEY } : { kind: "none" },
    insecure: Boolean(flags.insecure),
    caCert: flags.caCert,
    paths: {},
    sources: {},
  };
}
