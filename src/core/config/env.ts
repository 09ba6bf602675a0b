/** The environment variable that supplies each value (shown by `grc auth status`). */
export const ENV_VARS = {
  profile: "GRC_PROFILE",
  base_url: "GRC_BASE_URL",
  org_id: "GRC_ORG_ID",
  api_key: "GRC_API_KEY",
  hmac_key_id: "GRC_HMAC_KEY_ID",
  hmac_secret: "GRC_HMAC_SECRET",
  session: "GRC_SESSION",
  config_dir: "GRC_CONFIG_DIR",
} as const;

/** A variable's value, treating an empty string as unset. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}
