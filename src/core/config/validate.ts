import { UsageError } from "../../errors.js";
import { isLoopbackHost } from "../../http/url-policy.js";
import type { Platform, StoredProfile } from "./types.js";

/** Platforms a profile may name. */
export const PLATFORMS: readonly Platform[] = ["sovereign", "evident", "strata"];

/** StrataGRC module keys a profile may override under `paths` (docs/strata.md). */
export const STRATA_PATH_KEYS: readonly string[] = [
  "authStatus",
  "dashboard",
  "chart",
  "risks",
  "controls",
  "engagements",
  "findings",
  "cases",
  "kpis",
];

// The client enforces the same rule on every URL it is given; config checks it up front.
export { isLoopbackHost };

/**
 * Checks a base URL: http(s) only, plain http only to a loopback host unless `insecure`.
 * `label` names where the value came from ("--base-url", "GRC_BASE_URL", "base_url in profile x").
 * Returns the URL without a trailing slash.
 */
export function validateBaseUrl(value: string, insecure: boolean, label: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `${label} "${value}" is not a URL`,
      "give the platform's address, e.g. https://grc.example.com",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(
      `${label} must be an http(s) URL, got "${url.protocol}"`,
      "give the platform's address, e.g. https://grc.example.com",
    );
  }
  if (url.username || url.password) {
    throw new UsageError(
      `${label} must not contain a user name or password`,
      "remove them from the URL; credentials go in `grc auth login`",
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      `${label} must not contain a query string or fragment`,
      "give only scheme, host, port and an optional path prefix",
    );
  }
  if (url.protocol === "http:" && !insecure && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `${label} uses plain http to ${url.hostname}, which would send credentials unencrypted`,
      "use https, or pass --insecure (or `grc config set insecure true`) if you really mean it",
    );
  }
  return url.href.replace(/\/+$/, "");
}

/** Checks an API key: it must start with `sk-` (the Sovereign document). */
export function validateApiKey(value: string, label: string): string {
  const key = value.trim();
  if (!key.startsWith("sk-") || key.length <= 3) {
    throw new UsageError(
      `${label} is not an API key: keys start with "sk-"`,
      "copy the key from the API Keys page (it is shown once)",
    );
  }
  if (/\s/.test(key)) {
    throw new UsageError(`${label} contains whitespace`, "paste the key exactly as shown");
  }
  return key;
}

/** Checks an organization ID: non-empty, no whitespace or slashes (it becomes a path segment). */
export function validateOrgId(value: string, label: string): string {
  const org = value.trim();
  if (!org) throw new UsageError(`${label} is empty`, "give the organization ID, e.g. --org <id>");
  if (/[\s/?#]/.test(org)) {
    throw new UsageError(
      `${label} "${org}" contains spaces or URL characters`,
      "give the organization ID exactly as the platform shows it",
    );
  }
  return org;
}

/** Checks a profile name: it becomes part of file names (state files), so keep it plain. */
export function validateProfileName(value: string, label = "profile name"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new UsageError(
      `${label} "${value}" is not valid`,
      "use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)",
    );
  }
  return value;
}

/** Checks a secret read from stdin or a prompt: non-empty, one line. */
export function validateSecret(value: string, label: string): string {
  const secret = value.trim();
  if (!secret)
    throw new UsageError(
      `${label} is empty`,
      'pipe the secret on stdin, e.g. `printf %s "$SECRET" | grc auth login ...`',
    );
  if (/[\r\n]/.test(secret)) {
    throw new UsageError(`${label} spans several lines`, "pass exactly one line on stdin");
  }
  return secret;
}

/** Checks a StrataGRC module path override: an absolute path. */
export function validateModulePath(value: string, label: string): string {
  if (!value.startsWith("/") || /\s/.test(value)) {
    throw new UsageError(
      `${label} must be an absolute path like /strata/api/risks, got "${value}"`,
      "give the path the server serves this module at",
    );
  }
  return value;
}

/** The keys a stored profile may hold, with their JSON types (unknown keys make the file invalid). */
const PROFILE_FIELDS: Record<keyof StoredProfile, "string" | "boolean" | "object" | "argv"> = {
  platform: "string",
  base_url: "string",
  org_id: "string",
  api_key: "string",
  hmac_key_id: "string",
  hmac_secret: "string",
  hmac_algorithm: "string",
  session: "string",
  api_key_command: "argv",
  hmac_secret_command: "argv",
  session_command: "argv",
  keyring: "string",
  insecure: "boolean",
  ca_cert: "string",
  paths: "object",
};

/** The whole config file. */
export interface ConfigData {
  active_profile: string;
  profiles: Record<string, StoredProfile>;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of a parsed config file and returns it typed. Returns a problem text
 * (naming the JSON path) instead of throwing, so the caller can add the file name and fix.
 */
export function checkConfigShape(
  data: unknown,
): { ok: true; value: ConfigData } | { ok: false; problem: string } {
  const fail = (problem: string) => ({ ok: false as const, problem });
  if (!isPlainObject(data)) return fail(`the top level is ${typeName(data)}, not an object`);
  for (const key of Object.keys(data)) {
    if (key !== "active_profile" && key !== "profiles") return fail(`unknown key "${key}"`);
  }
  const active = data.active_profile ?? "default";
  if (typeof active !== "string")
    return fail(`"active_profile" is ${typeName(active)}, not a string`);
  const profiles = data.profiles ?? {};
  if (!isPlainObject(profiles)) return fail(`"profiles" is ${typeName(profiles)}, not an object`);
  for (const [name, profile] of Object.entries(profiles)) {
    const at = `profiles.${name}`;
    if (!isPlainObject(profile)) return fail(`"${at}" is ${typeName(profile)}, not an object`);
    for (const [key, value] of Object.entries(profile)) {
      const expected = PROFILE_FIELDS[key as keyof StoredProfile];
      if (!expected) return fail(`unknown key "${at}.${key}"`);
      if (expected === "argv") {
        if (
          !Array.isArray(value) ||
          value.length === 0 ||
          !value.every((v) => typeof v === "string") ||
          value[0] === ""
        ) {
          return fail(
            `"${at}.${key}" must be a non-empty array of strings (the program and its arguments)`,
          );
        }
        continue;
      }
      const actual = isPlainObject(value) ? "object" : typeof value;
      if (actual !== expected)
        return fail(`"${at}.${key}" is ${typeName(value)}, not a ${expected}`);
    }
    if (profile.platform !== undefined && !PLATFORMS.includes(profile.platform as Platform)) {
      return fail(
        `"${at}.platform" is "${String(profile.platform)}", not one of ${PLATFORMS.join(", ")}`,
      );
    }
    if (
      profile.hmac_algorithm !== undefined &&
      profile.hmac_algorithm !== "sha1" &&
      profile.hmac_algorithm !== "sha256"
    ) {
      return fail(
        `"${at}.hmac_algorithm" is "${String(profile.hmac_algorithm)}", not sha1 or sha256`,
      );
    }
    if (
      profile.keyring !== undefined &&
      !["api_key", "hmac_secret", "session"].includes(String(profile.keyring))
    ) {
      return fail(
        `"${at}.keyring" is "${String(profile.keyring)}", not api_key, hmac_secret or session`,
      );
    }
    const sources = (field: "api_key" | "hmac_secret" | "session") =>
      [
        profile[field] !== undefined,
        profile[`${field}_command`] !== undefined,
        profile.keyring === field,
      ].filter(Boolean).length;
    for (const field of ["api_key", "hmac_secret", "session"] as const) {
      if (sources(field) > 1) {
        return fail(
          `"${at}" holds the ${field} in more than one place (${field}, ${field}_command, keyring); keep one`,
        );
      }
    }
    const credentials = [
      sources("api_key") > 0,
      profile.hmac_key_id !== undefined || sources("hmac_secret") > 0,
      sources("session") > 0,
    ].filter(Boolean).length;
    if (credentials > 1) {
      return fail(`"${at}" holds more than one credential (api_key, hmac_*, session); keep one`);
    }
    if ((profile.hmac_key_id === undefined) !== (sources("hmac_secret") === 0)) {
      return fail(
        `"${at}" has only one of hmac_key_id and hmac_secret (or hmac_secret_command); it needs both`,
      );
    }
    if (isPlainObject(profile.paths)) {
      for (const [mod, path] of Object.entries(profile.paths)) {
        if (!STRATA_PATH_KEYS.includes(mod)) return fail(`unknown key "${at}.paths.${mod}"`);
        if (typeof path !== "string")
          return fail(`"${at}.paths.${mod}" is ${typeName(path)}, not a string`);
      }
    }
  }
  return {
    ok: true,
    value: { active_profile: active, profiles: profiles as Record<string, StoredProfile> },
  };
}
