import { ENV_VARS, envValue } from "./env.js";
import type { ConfigData } from "./validate.js";
import { validateProfileName } from "./validate.js";

/**
 * The profile a command that edits the file works on: --profile, then GRC_PROFILE, then the
 * active profile (which may not exist yet: login and `config set` create it).
 */
export function targetProfileName(
  data: ConfigData,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (flag !== undefined) return validateProfileName(flag, "--profile");
  const fromEnv = envValue(env, ENV_VARS.profile);
  if (fromEnv !== undefined) return validateProfileName(fromEnv, ENV_VARS.profile);
  return validateProfileName(data.active_profile || "default", "active_profile");
}
