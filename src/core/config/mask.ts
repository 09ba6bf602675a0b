import { maskApiKey } from "../../http/redact.js";
import type { Credential } from "./types.js";

/** Shows an API key as `sk-...` plus its last 4 characters: the same mask as --debug traces. */
export { maskApiKey };

/** Shows an HMAC secret or session cookie as `****` plus its last 4 characters when it is long enough to spare them. */
export function maskSecret(secret: string): string {
  return secret.length >= 16 ? `****${secret.slice(-4)}` : "****";
}

/** The credential's fields as `grc auth status` shows them: secrets masked, key IDs plain. */
export function maskedCredentialFields(credential: Credential): Record<string, string> {
  switch (credential.kind) {
    case "bearer":
      return { api_key: maskApiKey(credential.apiKey) };
    case "hmac":
      return {
        hmac_key_id: credential.keyId,
        hmac_secret: maskSecret(credential.secret),
        hmac_algorithm: credential.algorithm,
      };
    case "session":
      return { session: maskSecret(credential.cookie) };
    default:
      return {};
  }
}

/** Human name of a credential kind. */
export function credentialLabel(kind: Credential["kind"]): string {
  return { bearer: "API key", hmac: "HMAC key (APIAuth)", session: "session cookie", none: "none" }[
    kind
  ];
}
