import { UsageError } from "../../errors.js";
import { pendingSecret, storedCredential } from "./credential.js";
import { ENV_VARS, envValue } from "./env.js";
import { openConfigStore, storedProfile } from "./store.js";
import type {
  Credential,
  CredentialKind,
  Platform,
  ProfileFlags,
  ResolvedProfile,
  ValueSource,
} from "./types.js";
import {
  type ConfigData,
  validateApiKey,
  validateBaseUrl,
  validateOrgId,
  validateProfileName,
} from "./validate.js";

/** The credential kind each platform speaks natively (used to pick among several env credentials). */
export const NATIVE_CREDENTIAL: Record<Platform, CredentialKind> = {
  sovereign: "bearer",
  evident: "hmac",
  strata: "session",
};

/** The platform a credential kind implies when the profile does not name one. */
const PLATFORM_FOR_CREDENTIAL: Partial<Record<CredentialKind, Platform>> = {
  bearer: "sovereign",
  hmac: "evident",
  session: "strata",
};

/**
 * Credentials from the environment. Several kinds at once are allowed when the platform
 * picks one (a shell may export keys for several platforms); otherwise it is an error.
 */
function envCredential(
  env: NodeJS.ProcessEnv,
  platform: Platform | undefined,
  algorithm: "sha1" | "sha256",
): Credential | undefined {
  const found: Credential[] = [];
  const apiKey = envValue(env, ENV_VARS.api_key);
  if (apiKey) found.push({ kind: "bearer", apiKey: validateApiKey(apiKey, ENV_VARS.api_key) });
  const keyId = envValue(env, ENV_VARS.hmac_key_id);
  const secret = envValue(env, ENV_VARS.hmac_secret);
  if (keyId || secret) {
    if (!keyId || !secret) {
      const missing = keyId ? ENV_VARS.hmac_secret : ENV_VARS.hmac_key_id;
      const present = keyId ? ENV_VARS.hmac_key_id : ENV_VARS.hmac_secret;
      throw new UsageError(
        `${present} is set but ${missing} is not`,
        `set both for an APIAuth (HMAC) key, or unset ${present}`,
      );
    }
    found.push({ kind: "hmac", keyId, secret, algorithm });
  }
  const session = envValue(env, ENV_VARS.session);
  if (session) found.push({ kind: "session", cookie: session });
  if (found.length <= 1) return found[0];
  const native = platform ? found.find((c) => c.kind === NATIVE_CREDENTIAL[platform]) : undefined;
  if (native) return native;
  const names = found.map((c) =>
    c.kind === "bearer"
      ? ENV_VARS.api_key
      : c.kind === "hmac"
        ? `${ENV_VARS.hmac_key_id}/${ENV_VARS.hmac_secret}`
        : ENV_VARS.session,
  );
  throw new UsageError(
    `the environment holds more than one credential (${names.join(", ")})`,
    "unset all but one, or use a profile whose platform picks one (`grc config set platform ...`)",
  );
}

/** Which profile a command uses: --profile, then GRC_PROFILE, then the file's active profile. */
export function selectProfileName(
  data: ConfigData,
  flags: ProfileFlags,
  env: NodeJS.ProcessEnv,
): { name: string; source: ValueSource } {
  if (flags.profile !== undefined) {
    return { name: validateProfileName(flags.profile, "--profile"), source: "flag" };
  }
  const fromEnv = envValue(env, ENV_VARS.profile);
  if (fromEnv !== undefined) {
    return { name: validateProfileName(fromEnv, ENV_VARS.profile), source: "env" };
  }
  if (Object.hasOwn(data.profiles, data.active_profile)) {
    return { name: data.active_profile, source: "profile" };
  }
  return { name: data.active_profile || "default", source: "default" };
}

/**
 * Resolves a profile from an already loaded config: flags, then environment, then the
 * stored profile. Pure (no file access), so the precedence rules are easy to test.
 */
export function resolveFromConfig(
  data: ConfigData,
  flags: ProfileFlags,
  env: NodeJS.ProcessEnv,
  meta: { configPath: string; warnings?: readonly string[] } = { configPath: "config.json" },
): ResolvedProfile {
  const { name, source: profileSource } = selectProfileName(data, flags, env);
  const stored = storedProfile(data, name);
  if (!stored && (profileSource === "flag" || profileSource === "env")) {
    const how = profileSource === "flag" ? "--profile" : ENV_VARS.profile;
    const names = Object.keys(data.profiles);
    throw new UsageError(
      `profile "${name}" (from ${how}) does not exist in ${meta.configPath}${names.length ? `; profiles: ${names.join(", ")}` : ""}`,
      `create it with \`grc auth login --profile ${name}\`, or pick another with \`grc auth list\``,
    );
  }
  const sources: Record<string, ValueSource> = { profile: profileSource };

  let insecure = false;
  if (flags.insecure) {
    insecure = true;
    sources.insecure = "flag";
  } else if (stored?.insecure) {
    insecure = true;
    sources.insecure = "profile";
  }

  let baseUrl: string | undefined;
  const envBase = envValue(env, ENV_VARS.base_url);
  if (flags.baseUrl !== undefined) {
    baseUrl = validateBaseUrl(flags.baseUrl, insecure, "--base-url");
    sources.base_url = "flag";
  } else if (envBase !== undefined) {
    baseUrl = validateBaseUrl(envBase, insecure, ENV_VARS.base_url);
    sources.base_url = "env";
  } else if (stored?.base_url !== undefined) {
    baseUrl = validateBaseUrl(stored.base_url, insecure, `base_url of profile "${name}"`);
    sources.base_url = "profile";
  }

  let orgId: string | undefined;
  const envOrg = envValue(env, ENV_VARS.org_id);
  if (flags.org !== undefined) {
    orgId = validateOrgId(flags.org, "--org");
    sources.org_id = "flag";
  } else if (envOrg !== undefined) {
    orgId = validateOrgId(envOrg, ENV_VARS.org_id);
    sources.org_id = "env";
  } else if (stored?.org_id !== undefined) {
    orgId = validateOrgId(stored.org_id, `org_id of profile "${name}"`);
    sources.org_id = "profile";
  }

  let platform: Platform | undefined = stored?.platform;
  if (platform) sources.platform = "profile";

  let credential = envCredential(env, platform, stored?.hmac_algorithm ?? "sha1");
  let secretLocation: ResolvedProfile["secretLocation"];
  const pending = credential ? undefined : pendingSecret(stored);
  if (credential) {
    sources.credential = "env";
    secretLocation = "env";
  } else {
    credential = storedCredential(stored);
    if (credential.kind !== "none" || pending) {
      sources.credential = "profile";
      secretLocation = pending ? pending.from : "file";
    }
  }
  const kind = pending?.kind ?? credential.kind;
  if (!platform && kind !== "none") {
    platform = PLATFORM_FOR_CREDENTIAL[kind];
    sources.platform = "default";
  }

  let caCert: string | undefined;
  if (flags.caCert !== undefined) {
    caCert = flags.caCert;
    sources.ca_cert = "flag";
  } else if (stored?.ca_cert !== undefined) {
    caCert = stored.ca_cert;
    sources.ca_cert = "profile";
  }

  return {
    name,
    platform,
    baseUrl,
    orgId,
    credential,
    insecure,
    caCert,
    paths: { ...(stored?.paths ?? {}) },
    sources,
    configPath: meta.configPath,
    stored: stored !== undefined,
    ...(secretLocation ? { secretLocation } : {}),
    ...(pending?.argv ? { secretCommand: pending.argv[0] } : {}),
    ...(pending ? { pendingSecret: pending } : {}),
    warnings: [...(meta.warnings ?? [])],
  };
}

/**
 * Fetches a secret the profile keeps outside the file: runs its credential helper or reads
 * the OS keyring (each module loads only when a profile uses it). Returns the profile with
 * its credential filled in.
 */
export async function fetchPendingSecret(
  profile: ResolvedProfile,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedProfile> {
  const pending = profile.pendingSecret;
  if (!pending) return profile;
  let secret: string;
  if (pending.from === "command") {
    const { runCredentialCommand } = await import("./credential-command.js");
    secret = await runCredentialCommand(
      { profile: profile.name, field: pending.field, argv: pending.argv ?? [] },
      env,
    );
  } else {
    const { keyringRead } = await import("./keyring.js");
    secret = await keyringRead(profile.name, pending.field);
  }
  const label = `the ${pending.field} from ${pending.from === "command" ? `${pending.field}_command` : "the OS keyring"} of profile "${profile.name}"`;
  let credential: Credential;
  if (pending.kind === "bearer") {
    credential = { kind: "bearer", apiKey: validateApiKey(secret, label) };
  } else if (pending.kind === "hmac") {
    credential = {
      kind: "hmac",
      keyId: pending.keyId ?? "",
      secret: secret.trim(),
      algorithm: pending.algorithm,
    };
  } else {
    credential = { kind: "session", cookie: secret.trim() };
  }
  const { pendingSecret: _done, ...rest } = profile;
  return { ...rest, credential };
}

/** Resolves the profile a command runs with: flags, then environment, then the stored profile. */
export async function resolveProfile(
  flags: ProfileFlags,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedProfile> {
  const store = openConfigStore(env);
  const resolved = resolveFromConfig(store.read(), flags, env, {
    configPath: store.path,
    warnings: store.warnings,
  });
  return fetchPendingSecret(resolved, env);
}

export { ENV_VARS } from "./env.js";
