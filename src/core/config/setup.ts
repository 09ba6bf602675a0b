import { AuthError } from "../../errors.js";
import type { ResolvedProfile } from "./types.js";

/** What a command needs of a profile besides a base URL and a credential. */
export interface SetupNeeds {
  /** The organization ID (Sovereign GRC's evidence API is per organization). */
  org?: boolean;
}

type SetupFields = Pick<ResolvedProfile, "name" | "baseUrl" | "orgId" | "credential">;

/** The settings a command needs that the profile lacks, in the order `grc auth login` asks. */
export function missingSetup(profile: SetupFields, needs: SetupNeeds = {}): string[] {
  const missing: string[] = [];
  if (!profile.baseUrl) missing.push("base URL");
  if (needs.org && !profile.orgId) missing.push("organization ID");
  if (profile.credential.kind === "none") missing.push("credential");
  return missing;
}

/**
 * One error that names everything missing at once, when more than one setting is (a newcomer
 * who configured nothing learns it in one run, not one setting per run): exit 3, and the fix
 * is `grc auth login`, which asks for each. A single missing setting keeps its own error.
 */
export function setupError(profile: SetupFields, needs: SetupNeeds = {}): AuthError | undefined {
  const missing = missingSetup(profile, needs);
  if (missing.length < 2) return undefined;
  const flags = [
    ...(missing.includes("base URL") ? ["--base-url URL (GRC_BASE_URL)"] : []),
    ...(missing.includes("organization ID") ? ["--org ID (GRC_ORG_ID)"] : []),
    ...(missing.includes("credential") ? ["GRC_API_KEY (or another credential variable)"] : []),
  ];
  const list = `${missing.slice(0, -1).join(", no ")} and no ${missing.at(-1)}`;
  return new AuthError(
    `profile "${profile.name}" is not set up: no ${list}`,
    `run \`grc auth login\` (it asks for each), or give ${flags.join(", ")}`,
  );
}
