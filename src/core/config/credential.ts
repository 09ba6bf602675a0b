import { UsageError } from "../../errors.js";
import type { Credential, CredentialKind, Platform, StoredProfile } from "./types.js";

/** The credential a stored profile holds (the file was validated: at most one). */
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
export const CREDENTIAL_KEYS = ["api_key", "hmac_key_id", "hmac_secret", "session"] as const;

/** Removes the stored credential of a profile, keeping everything else; returns what was removed. */
export function removeCredential(profile: StoredProfile): CredentialKind {
  const kind: CredentialKind = profile.api_key
    ? "bearer"
    : profile.hmac_key_id
      ? "hmac"
      : profile.session
        ? "session"
        : "none";
  for (const key of CREDENTIAL_KEYS) delete profile[key];
  return kind;
}
