import { UsageError } from "../../errors.js";
import type {
  Credential,
  CredentialKind,
  PendingSecret,
  Platform,
  StoredProfile,
} from "./types.js";

/**
 * The secret a stored profile fetches from a helper command or the OS keyring instead of
 * holding it (undefined when the secret is in the file, or there is none).
 */
export function pendingSecret(profile: StoredProfile | undefined): PendingSecret | undefined {
  if (!profile) return undefined;
  const algorithm = profile.hmac_algorithm ?? "sha1";
  const fields = [
    ["api_key", "bearer"],
    ["hmac_secret", "hmac"],
    ["session", "session"],
  ] as const;
  for (const [field, kind] of fields) {
    const argv = profile[`${field}_command`];
    const keyId = kind === "hmac" ? { keyId: profile.hmac_key_id ?? "" } : {};
    if (argv) return { kind, field, from: "command", argv: [...argv], algorithm, ...keyId };
    if (profile.keyring === field) return { kind, field, from: "keyring", algorithm, ...keyId };
  }
  return undefined;
}

/** The kind of credential a stored profile holds, wherever its secret lives. */
export function storedCredentialKind(profile: StoredProfile | undefined): CredentialKind {
  return pendingSecret(profile)?.kind ?? storedCredential(profile).kind;
}

/**
 * The credential a stored profile holds in the file (the file was validated: at most one).
 * A secret in a helper command or the keyring is not here: see pendingSecret.
 */
export function storedCredential(profile: StoredProfile | undefined): Credential {
  if (!profile) return { kind: "none" };
  if (profile.api_key) return { kind: "bearer", apiKey: profile.api_key };
  if (profile.hmac_key_id && profile.hmac_secret) {
    return {
      kind: "hmac",
      keyId: profile.hmac_key_id,
      secret: profile.hmac_secret,
      algorithm: profile.hmac_algorithm ?? "sha1",
    };
  }
  if (profile.session) return { kind: "session", cookie: profile.session };
  return { kind: "none" };
}

/** Credential kinds each platform accepts (Evident takes an APIAuth key or a Bearer key). */
export const ACCEPTED_CREDENTIALS: Record<Platform, readonly CredentialKind[]> = {
  sovereign: ["bearer"],
  evident: ["hmac", "bearer"],
  strata: ["session"],
};

const FLAG_FOR_KIND: Record<Exclude<CredentialKind, "none">, string> = {
  bearer: "--api-key-stdin",
  hmac: "--hmac-key-id with --hmac-secret-stdin",
  session: "--session-stdin",
};

/** Throws a UsageError when the platform does not take that kind of credential. */
export function checkCredentialFits(platform: Platform, kind: CredentialKind): void {
  if (kind === "none" || ACCEPTED_CREDENTIALS[platform].includes(kind)) return;
  const accepted = ACCEPTED_CREDENTIALS[platform]
    .map((k) => FLAG_FOR_KIND[k as Exclude<CredentialKind, "none">])
    .join(" or ");
  throw new UsageError(
    `--platform ${platform} does not take ${FLAG_FOR_KIND[kind as Exclude<CredentialKind, "none">]}`,
    `log in to ${platform} with ${accepted}`,
  );
}

/** Fields that hold the credential; a login or logout replaces all of them. */
export const CREDENTIAL_KEYS = [
  "api_key",
  "hmac_key_id",
  "hmac_secret",
  "session",
  "api_key_command",
  "hmac_secret_command",
  "session_command",
  "keyring",
] as const;

/** Removes the stored credential of a profile, keeping everything else; returns what was removed. */
export function removeCredential(profile: StoredProfile): CredentialKind {
  const kind = storedCredentialKind(profile);
  for (const key of CREDENTIAL_KEYS) delete profile[key];
  return kind;
}
