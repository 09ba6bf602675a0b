/** Which platform dialect a profile speaks by default. */
export type Platform = "sovereign" | "evident" | "strata";

/** One credential per profile (a discriminated union, never more than one at a time). */
export type Credential =
  | { kind: "bearer"; apiKey: string }
  | {
      kind: "hmac";
      keyId: string;
      secret: string;
      /** "sha1" is the Evident document's APIAuth; "sha256" is api_auth 2.5+ (APIAuth-HMAC-SHA256 with X-Authorization-Content-SHA256). */
      algorithm: "sha1" | "sha256";
    }
  | { kind: "session"; cookie: string }
  | { kind: "none" };

/** A profile as stored in the config file. */
export interface StoredProfile {
  platform?: Platform;
  base_url?: string;
  org_id?: string;
  api_key?: string;
  hmac_key_id?: string;
  hmac_secret?: string;
  hmac_algorithm?: "sha1" | "sha256";
  session?: string;
  /** Credential helpers: argv of a program that prints the secret (no shell). */
  api_key_command?: string[];
  hmac_secret_command?: string[];
  session_command?: string[];
  /** The secret is in the OS keyring (service "grc", account "<profile>/<field>"), not in this file. */
  keyring?: "api_key" | "hmac_secret" | "session";
  insecure?: boolean;
  ca_cert?: string;
  /** StrataGRC module path overrides, e.g. { risks: "/api/risks" }. */
  paths?: Record<string, string>;
}

/** Where a resolved value came from (shown by `grc auth status`). */
export type ValueSource = "flag" | "env" | "profile" | "default";

/** Where a profile's secret lives (shown by `grc auth status`). */
export type SecretLocation = "file" | "keyring" | "command" | "env";

/** A secret still to fetch: from a credential helper or the OS keyring (resolveProfile does it). */
export interface PendingSecret {
  kind: "bearer" | "hmac" | "session";
  field: "api_key" | "hmac_secret" | "session";
  from: "command" | "keyring";
  argv?: string[];
  keyId?: string;
  algorithm: "sha1" | "sha256";
}

/** Values a command may pass in from flags; they win over environment and profile. */
export interface ProfileFlags {
  profile?: string;
  baseUrl?: string;
  org?: string;
  insecure?: boolean;
  caCert?: string;
}

/** The profile a command runs with after flags > environment > stored profile. */
export interface ResolvedProfile {
  /** Name of the profile that supplied stored values (may not exist in the file yet). */
  name: string;
  platform: Platform | undefined;
  baseUrl: string | undefined;
  orgId: string | undefined;
  credential: Credential;
  insecure: boolean;
  caCert: string | undefined;
  paths: Record<string, string>;
  /** Source of each resolved field: profile, platform, base_url, org_id, credential, insecure, ca_cert. */
  sources: Record<string, ValueSource>;
  /** Path of the config file the stored values came from. */
  configPath?: string;
  /** True when the profile exists in the config file. */
  stored?: boolean;
  /** Where the secret came from: the config file, the OS keyring, a helper command or the environment. */
  secretLocation?: SecretLocation;
  /** The helper program (argv[0]) when secretLocation is "command". */
  secretCommand?: string;
  /** Set by resolveFromConfig when the secret must still be fetched; resolveProfile fetches it. */
  pendingSecret?: PendingSecret;
  /** One-line warnings the command should print on stderr (config file modes looser than 0600/0700). */
  warnings?: string[];
}

/** The kinds of credential a profile can hold. */
export type CredentialKind = Credential["kind"];
