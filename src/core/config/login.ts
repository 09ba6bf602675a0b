import { removeCredential } from "./credential.js";
import type { Credential, Platform, StoredProfile } from "./types.js";
import type { ConfigData } from "./validate.js";

/** A credential that is not "none". */
export type RealCredential = Exclude<Credential, { kind: "none" }>;

/** Everything `grc auth login` stores for one profile. */
export interface LoginInput {
  profile: string;
  platform: Platform;
  baseUrl: string;
  orgId: string | undefined;
  credential: RealCredential;
  insecure: boolean;
  caCert: string | undefined;
  /** The secret went to the OS keyring: the file records only where it is. */
  keyring?: boolean;
}

/** The profile field that holds a credential's secret. */
export function secretField(credential: RealCredential): "api_key" | "hmac_secret" | "session" {
  return credential.kind === "bearer"
    ? "api_key"
    : credential.kind === "hmac"
      ? "hmac_secret"
      : "session";
}

/** The secret of a credential (what a keyring entry holds). */
export function secretOf(credential: RealCredential): string {
  return credential.kind === "bearer"
    ? credential.apiKey
    : credential.kind === "hmac"
      ? credential.secret
      : credential.cookie;
}

/**
 * Writes a login into the config: the profile's connection values and its one credential
 * (replacing any other kind). Keeps module paths and settings the login does not touch. The
 * profile becomes active when no existing profile is active. Returns true when it became active.
 */
export function applyLogin(data: ConfigData, input: LoginInput): boolean {
  const profile: StoredProfile = { ...(data.profiles[input.profile] ?? {}) };
  removeCredential(profile);
  profile.platform = input.platform;
  profile.base_url = input.baseUrl;
  if (input.orgId !== undefined) profile.org_id = input.orgId;
  if (input.insecure) profile.insecure = true;
  if (input.caCert !== undefined) profile.ca_cert = input.caCert;
  const c = input.credential;
  // hmac_algorithm belongs to an HMAC key; another kind of credential drops it.
  if (c.kind !== "hmac") delete profile.hmac_algorithm;
  if (c.kind === "bearer") profile.api_key = c.apiKey;
  if (c.kind === "hmac") {
    profile.hmac_key_id = c.keyId;
    profile.hmac_secret = c.secret;
    if (c.algorithm === "sha256") profile.hmac_algorithm = "sha256";
    else delete profile.hmac_algorithm;
  }
  if (c.kind === "session") profile.session = c.cookie;
  if (input.keyring) {
    const field = secretField(c);
    delete profile[field];
    profile.keyring = field;
  }
  data.profiles[input.profile] = profile;
  const activeExists =
    Object.hasOwn(data.profiles, data.active_profile) && data.active_profile !== input.profile;
  if (!activeExists) data.active_profile = input.profile;
  return data.active_profile === input.profile;
}
