import { defineCommand } from "../../cli/command.js";
import type { Platform } from "../../core/config/types.js";
import { PLATFORMS } from "../../core/config/validate.js";

export interface LoginOptions {
  profile?: string;
  platform?: Platform;
  baseUrl?: string;
  org?: string;
  apiKeyStdin?: boolean;
  hmacKeyId?: string;
  hmacSecretStdin?: boolean;
  hmacSha256?: boolean;
  sessionStdin?: boolean;
  insecure?: boolean;
  caCert?: string;
  verify?: boolean;
  keyring?: boolean;
}

/** `grc auth login`: stores a profile's base URL, org and one credential, after checking it. */
export const loginCommand = defineCommand<LoginOptions>({
  path: ["auth", "login"],
  summary: "Store a base URL, organization and credential in a profile",
  connection: false,
  options: [
    {
      flags: "--profile <name>",
      description: "profile to store (default: GRC_PROFILE, else the active profile)",
    },
    { flags: "--platform <name>", description: "platform the profile speaks", choices: PLATFORMS },
    {
      flags: "--base-url <url>",
      description: "platform base URL (https; plain http only for loopback)",
    },
    { flags: "--org <id>", description: "organization ID (required for Sovereign GRC)" },
    { flags: "--api-key-stdin", description: "read a Bearer API key (sk-...) from stdin" },
    {
      flags: "--hmac-key-id <id>",
      description: "APIAuth (HMAC) key ID; the secret comes from --hmac-secret-stdin",
    },
    { flags: "--hmac-secret-stdin", description: "read the APIAuth (HMAC) secret from stdin" },
    {
      flags: "--hmac-sha256",
      description: "sign with APIAuth-HMAC-SHA256 (api_auth 2.5+) instead of HMAC-SHA1",
    },
    { flags: "--session-stdin", description: "read a StrataGRC session cookie value from stdin" },
    { flags: "--insecure", description: "allow plain http to a non-loopback host" },
    {
      flags: "--ca-cert <file>",
      description: "PEM file of extra CA certificates for this profile",
    },
    {
      flags: "--no-verify",
      description: "save without checking the credential against the server",
    },
    {
      flags: "--keyring",
      description:
        "keep the secret in the OS keyring (macOS Keychain, Windows Credential Manager, Secret Service) instead of the 0600 file",
    },
  ],
  help: [
    "Secrets are never taken as arguments: pipe them on stdin, or answer the prompts on a terminal.",
    "Examples:",
    '  printf %s "$GRC_API_KEY" | grc auth login --base-url https://grc.example.com --org ORG --api-key-stdin',
    '  printf %s "$SECRET" | grc auth login --profile esp --base-url https://esp.example.com --hmac-key-id KEY --hmac-secret-stdin',
    '  printf %s "$COOKIE" | grc auth login --profile strata --base-url https://strata.example.com --session-stdin',
    '  printf %s "$GRC_API_KEY" | grc auth login --keyring --base-url https://grc.example.com --org ORG --api-key-stdin',
    "--keyring falls back to the 0600 file, with one warning line, where no keyring service runs.",
    "A password manager can supply the secret instead: `grc config set api_key_command ...` (docs/credentials.md).",
  ].join("\n"),
  async run(ctx, _args, opts) {
    // The handler and what it imports load only when the command runs (not for `auth status`).
    const { runLogin } = await import("./login-run.js");
    return runLogin(ctx, opts);
  },
});
