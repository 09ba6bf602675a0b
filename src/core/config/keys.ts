import { UsageError } from "../../errors.js";
import type { Platform, StoredProfile } from "./types.js";
import {
  PLATFORMS,
  STRATA_PATH_KEYS,
  validateBaseUrl,
  validateModulePath,
  validateOrgId,
} from "./validate.js";

/** Credential helper keys: the argv of a program that prints the secret (the secret itself never is in the file). */
export const COMMAND_KEYS = ["api_key_command", "hmac_secret_command", "session_command"] as const;
type CommandKey = (typeof COMMAND_KEYS)[number];

/**
 * Parses a helper command from `grc config set`: a JSON array of strings
 * (`["op","read","op://vault/grc/key"]`) for arguments with spaces, or plain words split on
 * whitespace (`op read op://vault/grc/key`). No shell quoting: nothing runs through a shell.
 */
export function parseCommandValue(value: string, key: string): string[] {
  const text = value.trim();
  let argv: unknown;
  if (text.startsWith("[")) {
    try {
      argv = JSON.parse(text);
    } catch {
      throw new UsageError(
        `${key} looks like a JSON array but is not valid JSON`,
        `write it as '["program","arg 1","arg2"]' or as plain words`,
      );
    }
  } else {
    argv = text.split(/\s+/).filter(Boolean);
  }
  if (
    !Array.isArray(argv) ||
    argv.length === 0 ||
    !argv.every((a) => typeof a === "string") ||
    argv[0] === ""
  ) {
    throw new UsageError(
      `${key} must name a program and its arguments`,
      `e.g. grc config set ${key} 'op read op://vault/grc/secret'`,
    );
  }
  return argv as string[];
}

/** Non-secret keys `grc config get|set|unset` work on (paths.<module> for StrataGRC overrides). */
export const SETTING_KEYS: readonly string[] = [
  "base_url",
  "org_id",
  "platform",
  "insecure",
  "ca_cert",
  "hmac_algorithm",
  ...COMMAND_KEYS,
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
  if (Array.isArray(value)) return JSON.stringify(value);
  return value === undefined ? undefined : String(value);
}

function parseBoolean(value: string, key: string): boolean {
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  throw new UsageError(`${key} must be true or false, got "${value}"`);
}

/**
 * Stores a helper command as the profile's credential: it replaces whatever credential the
 * profile held (a secret in the file goes; an HMAC key keeps its key id). Returns a note
 * for the user when something was replaced.
 */
function setCommandKey(
  profile: StoredProfile,
  key: CommandKey,
  argv: string[],
): string | undefined {
  const field = key.slice(0, -"_command".length) as "api_key" | "hmac_secret" | "session";
  if (field === "hmac_secret" && !profile.hmac_key_id) {
    throw new UsageError(
      "hmac_secret_command needs the profile's HMAC key id",
      "log in once with `grc auth login --hmac-key-id ID --hmac-secret-stdin`, then set the command (the stored secret is removed)",
    );
  }
  const replaced: string[] = [];
  for (const other of ["api_key", "hmac_secret", "session"] as const) {
    if (profile[other] !== undefined) replaced.push(`the ${other} stored in the file`);
    if (other !== field && profile[`${other}_command`] !== undefined)
      replaced.push(`${other}_command`);
    delete profile[other];
    if (other !== field) delete profile[`${other}_command`];
  }
  if (profile.keyring !== undefined) {
    replaced.push(`the ${profile.keyring} in the OS keyring (the entry stays there)`);
    delete profile.keyring;
  }
  if (field !== "hmac_secret") {
    delete profile.hmac_key_id;
    delete profile.hmac_algorithm;
  }
  profile[key] = argv;
  return replaced.length ? `Replaced ${replaced.join(", ")}` : undefined;
}

/**
 * Validates and stores one setting into `profile` (mutates it). `resolveFile` turns a
 * relative CA file path into an absolute one (the command knows the working directory).
 * Returns a note for the user when the change replaced something else.
 */
export function setSetting(
  profile: StoredProfile,
  key: string,
  value: string,
  resolveFile: (path: string) => string = (p) => p,
): string | undefined {
  checkSettingKey(key);
  if ((COMMAND_KEYS as readonly string[]).includes(key)) {
    return setCommandKey(profile, key as CommandKey, parseCommandValue(value, key));
  }
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
  // Without its secret command an HMAC key id would leave the file half a credential.
  if (key === "hmac_secret_command" && profile.hmac_secret === undefined) {
    delete profile.hmac_key_id;
    delete profile.hmac_algorithm;
  }
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
