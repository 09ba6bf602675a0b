import { defineCommand } from "../../cli/command.js";
import { ENV_VARS } from "../../core/config/env.js";
import { maskedCredentialFields } from "../../core/config/mask.js";
import type { ResolvedProfile, ValueSource } from "../../core/config/types.js";
import { AuthError } from "../../errors.js";
import { writeWithBackpressure } from "../../output/records.js";

/** One value `grc auth status` shows. */
export interface StatusValue {
  value: string | boolean | null;
  source: ValueSource | null;
}

/** The document `grc auth status --json` prints. */
export interface AuthStatusDocument {
  profile: StatusValue;
  config_file: string | null;
  platform: StatusValue;
  base_url: StatusValue;
  org_id: StatusValue;
  credential: StatusValue;
  /** Where the secret lives: file, keyring, command or env. */
  secret_location?: StatusValue;
  /** The helper program (argv[0]) when the secret comes from a command. */
  credential_command?: StatusValue;
  api_key?: StatusValue;
  hmac_key_id?: StatusValue;
  hmac_secret?: StatusValue;
  hmac_algorithm?: StatusValue;
  session?: StatusValue;
  insecure: StatusValue;
  ca_cert: StatusValue;
}

/** Builds the status document from a resolved profile; secrets are masked here and nowhere later. */
export function authStatusDocument(p: ResolvedProfile): AuthStatusDocument {
  const value = (v: string | boolean | undefined, key: string): StatusValue => ({
    value: v ?? null,
    source: v === undefined ? null : (p.sources[key] ?? "default"),
  });
  const credentialFields: Record<string, StatusValue> = {};
  for (const [key, text] of Object.entries(maskedCredentialFields(p.credential))) {
    credentialFields[key] = { value: text, source: p.sources.credential ?? null };
  }
  // Built in display order: the credential's own fields follow its kind.
  const doc: AuthStatusDocument = {
    profile: { value: p.name, source: p.sources.profile ?? "default" },
    config_file: p.configPath ?? null,
    platform: value(p.platform, "platform"),
    base_url: value(p.baseUrl, "base_url"),
    org_id: value(p.orgId, "org_id"),
    credential: {
      value: p.credential.kind === "none" ? null : p.credential.kind,
      source: p.sources.credential ?? null,
    },
    ...(p.secretLocation
      ? { secret_location: { value: p.secretLocation, source: p.sources.credential ?? null } }
      : {}),
    ...(p.secretCommand
      ? { credential_command: { value: p.secretCommand, source: p.sources.credential ?? null } }
      : {}),
    ...credentialFields,
    insecure: { value: p.insecure, source: p.sources.insecure ?? "default" },
    ca_cert: value(p.caCert, "ca_cert"),
  };
  return doc;
}

/** Where a value came from, in words ("env GRC_BASE_URL", "flag --org", "profile"). */
function sourceText(key: string, source: ValueSource | null, credentialKind: string): string {
  if (source === "env") {
    if (key === "profile") return `env ${ENV_VARS.profile}`;
    if (key === "credential") {
      return `env ${credentialKind === "bearer" ? ENV_VARS.api_key : credentialKind === "hmac" ? `${ENV_VARS.hmac_key_id}/${ENV_VARS.hmac_secret}` : ENV_VARS.session}`;
    }
    const name = (ENV_VARS as Record<string, string>)[key];
    return name ? `env ${name}` : "env";
  }
  if (source === "flag") {
    const flags: Record<string, string> = {
      profile: "--profile",
      base_url: "--base-url",
      org_id: "--org",
      insecure: "--insecure",
      ca_cert: "--ca-cert",
    };
    return `flag ${flags[key] ?? ""}`.trim();
  }
  return source ?? "";
}

/** `grc auth status`: every value of the resolved profile with its source, secrets masked. */
export const statusCommand = defineCommand<{ json?: boolean }>({
  path: ["auth", "status"],
  summary:
    "Show the profile, base URL, organization and credential in use, and where each came from",
  options: [{ flags: "--json", description: "print a JSON document" }],
  help: [
    "secret_location says where the secret lives: file (config.json), keyring (the OS keyring),",
    "command (a helper program, named by credential_command) or env (GRC_* variables).",
    "Exits 3 when no credential is configured.",
  ].join("\n"),
  async run(ctx, _args, opts) {
    const profile = await ctx.profile();
    const doc = authStatusDocument(profile);
    if (opts.json) {
      await writeWithBackpressure(ctx.io.stdout, `${JSON.stringify(doc, null, 2)}\n`);
    } else {
      const rows: [string, string, string][] = [];
      for (const [key, entry] of Object.entries(doc)) {
        if (key === "config_file") {
          rows.push([key, String(entry ?? ""), ""]);
          continue;
        }
        const { value, source } = entry as StatusValue;
        rows.push([
          key,
          value === null ? "(not set)" : String(value),
          sourceText(key, source, String(doc.credential.value)),
        ]);
      }
      const width = Math.max(...rows.map((r) => r[0].length));
      const valueWidth = Math.max(...rows.filter((r) => r[2]).map((r) => r[1].length));
      const text = rows
        .map(([k, v, s]) =>
          `${k.padEnd(width)}  ${s ? `${v.padEnd(valueWidth)}  (${s})` : v}`.trimEnd(),
        )
        .join("\n");
      await writeWithBackpressure(ctx.io.stdout, `${text}\n`);
    }
    if (profile.credential.kind === "none") {
      throw new AuthError(
        `no credentials for profile "${profile.name}"`,
        "run `grc auth login`, or set GRC_API_KEY (or GRC_HMAC_KEY_ID/GRC_HMAC_SECRET, GRC_SESSION)",
      );
    }
    return 0;
  },
});
