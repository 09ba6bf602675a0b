import { AuthError } from "../../errors.js";
import type { SecretField } from "./credential-command.js";

/** The service name grc's secrets are filed under in the OS keyring. */
export const KEYRING_SERVICE = "grc";

/** The keyring account of a profile's secret: `<profile>/<field>`, e.g. `default/api_key`. */
export function keyringAccount(profile: string, field: SecretField): string {
  return `${profile}/${field}`;
}

type KeyringModule = typeof import("@napi-rs/keyring");

/**
 * Loads the native keyring binding (only when a profile uses the keyring or a login asks for
 * it). On Linux the entry is pinned to the Secret Service: the library's fallback, the
 * kernel keyring, forgets everything at logout, which would lose the credential.
 */
async function entry(profile: string, field: SecretField) {
  let mod: KeyringModule;
  try {
    mod = await import("@napi-rs/keyring");
  } catch (err) {
    throw new KeyringUnavailable(`the keyring library could not load (${errorText(err)})`);
  }
  return new mod.AsyncEntry(KEYRING_SERVICE, keyringAccount(profile, field), {
    linux: { store: "secret-service" },
  });
}

/** No keyring service answers (no Secret Service on a headless Linux, a locked keychain, ...). */
export class KeyringUnavailable extends Error {}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, " ").trim().slice(0, 160);
}

/** Stores a secret in the OS keyring; throws KeyringUnavailable when no keyring service runs. */
export async function keyringStore(
  profile: string,
  field: SecretField,
  secret: string,
): Promise<void> {
  try {
    const e = await entry(profile, field);
    await e.setPassword(secret);
  } catch (err) {
    if (err instanceof KeyringUnavailable) throw err;
    throw new KeyringUnavailable(errorText(err));
  }
}

/** Reads a profile's secret from the OS keyring; a missing entry or service is an AuthError (exit 3). */
export async function keyringRead(profile: string, field: SecretField): Promise<string> {
  const fix = `log in again with \`grc auth login --profile ${profile} --keyring\` (or without --keyring to use the file)`;
  let secret: string | null;
  try {
    secret = await (await entry(profile, field)).getPassword();
  } catch (err) {
    throw new AuthError(
      `the OS keyring holds the ${field} of profile "${profile}" but cannot be read (${errorText(err)})`,
      fix,
    );
  }
  if (secret === null || secret === "") {
    throw new AuthError(
      `the OS keyring has no ${field} for profile "${profile}" (service "${KEYRING_SERVICE}", account "${keyringAccount(profile, field)}")`,
      fix,
    );
  }
  return secret;
}

/** Removes a profile's secret from the keyring (logout, or a login that stores elsewhere); false when there was none. */
export async function keyringDelete(profile: string, field: SecretField): Promise<boolean> {
  try {
    return await (await entry(profile, field)).deletePassword();
  } catch {
    return false;
  }
}
