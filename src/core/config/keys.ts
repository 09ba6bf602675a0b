import { UsageError } from "../../errors.js";
import type { Platform, StoredProfile } from "./types.js";
import {
  PLATFORMS,
  STRATA_PATH_KEYS,
  validateBaseUrl,
  validateModulePath,
  validateOrgId,
} from "./validate.js";

/** Non-secret keys `grc config get|set|unset` work on (paths.<module> for StrataGRC overrides). */
export const SETTING_KEYS: readonly string[] = [
  "base_url",
  "org_id",
  "platform",
  "insecure",
  "ca_cert",
  "hmac_algorithm",
  ...STRATA_PATH_KEYS.map((m) => `paths.${m}`),
];

/** Credential keys: never set from argv. */
const SECRET_KEYS: Record<string, string> = {
  api_key: "--api-key-stdin",
  hmac_key_id: "--hmac-key-id ID --hmac-secret-stdin",
  hmac_secret: "--hmac-key-id ID --hmac-secret-stdin",
  session: "--session-stdin",
};

/** Checks a key name; secrets point to `grc auth login`, unknown keys list the valid ones (exit 2). */
export function checkSettingKey(key: string): string {
  const secretFlag = SECRET_KEYS[key];
  if (secretFlag) {
    throw new UsageError(
      `${key} is a credential and is never taken on the command line`,
      `store it with \`grc auth login ${secretFlag}\` (the secret comes from stdin or a prompt)`,
    );
  }
  if (!SETTING_KEYS.includes(key)) {
    throw new UsageError(`unknown config key "${key}"`, `valid keys: ${SETTING_KEYS.join(", ")}`);
  }
  return key;
}

/** A setting's stored value as text (undefined when unset). */
export function getSetting(profile: StoredProfile | undefined, key: string): string | undefined {
  checkSettingKey(key);
  if (!profile) return undefined;
  if (key.startsWith("paths.")) return profile.paths?.[key.slice("paths.".length)];
  const value = profile[key as keyof StoredProfile];
  return value === undefined ? undefined : String(value);
}

function parseBoolean(value: string, key: string): boolean {
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  throw new UsageError(`${key} must be true or false, got "${value}"`);
}

/**
 * Validates and stores one setting into `profile` (mutates it). `resolveFile` turns a
 * relative CA file path into an absolute one (the command knows the working directory).
 */
export function setSetting(
  profile: StoredProfile,
  key: string,
  value: string,
  resolveFile: (path: string) => string = (p) => p,
): void {
  checkSettingKey(key);
  switch (key) {
    case "base_url":
      profile.base_url = validateBaseUrl(value, Boolean(profile.insecure), "base_url");
      return;
    case "org_id":
      profile.org_id = validateOrgId(value, "org_id");
      return;
    case "platform":
      if (!PLATFORMS.includes(value as Platform)) {
        throw new UsageError(`platform must be one of ${PLATFORMS.join(", ")}, got "${value}"`);
      }
      profile.platform = value as Platform;
      return;
    case "insecure": {
      const insecure = parseBoolean(value, key);
      if (!insecure && profile.base_url) {
        // Turning insecure off must not leave a plain-http remote base URL behind.
        validateBaseUrl(profile.base_url, false, "the stored base_url");
      }
      if (insecure) profile.insecure = true;
      else delete profile.insecure;
      return;
    }
    case "ca_cert":
      if (!value.trim()) throw new UsageError("ca_cert is empty", "give the path of a PEM file");
      profile.ca_cert = resolveFile(value);
      return;
    case "hmac_algorithm":
      if (value !== "sha1" && value !== "sha256") {
        throw new UsageError(`hmac_algorithm must be sha1 or sha256, got "${value}"`);
      }
      profile.hmac_algorithm = value;
      return;
    default: {
      const module = key.slice("paths.".length);
      profile.paths = { ...(profile.paths ?? {}), [module]: validateModulePath(value, key) };
    }
  }
}

/** Removes one setting from `profile`; returns true when it was set. */
export function unsetSetting(profile: StoredProfile, key: string): boolean {
  checkSettingKey(key);
  if (key.startsWith("paths.")) {
    const module = key.slice("paths.".length);
    if (!profile.paths || !(module in profile.paths)) return false;
    delete profile.paths[module];
    if (Object.keys(profile.paths).length === 0) delete profile.paths;
    return true;
  }
  const field = key as keyof StoredProfile;
  if (profile[field] === undefined) return false;
  delete profile[field];
  return true;
}

/** Every non-secret setting of a profile that is set, as [key, text] pairs in SETTING_KEYS order. */
export function listSettings(profile: StoredProfile | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const key of SETTING_KEYS) {
    const value = getSetting(profile, key);
    if (value !== undefined) out.push([key, value]);
  }
  return out;
}
