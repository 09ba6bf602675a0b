import { defineCommand } from "../../cli/command.js";
import { ENV_VARS } from "../../core/config/env.js";
import { maskedCredentialFields } from "../../core/config/mask.js";
import type { ResolvedProfile, ValueSource } from "../../core/config/types.js";
import type { CredentialCheck } from "../../core/config/verify.js";
import { AuthError } from "../../errors.js";
import { writeWithBackpressure } from "../../output/write.js";

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
  /** What the server said about the credential; result "skipped" with --offline or no credential. */
  check?: CredentialCheck | SkippedCheck;
}

/** The check's place in the JSON document when no request was sent. */
export interface SkippedCheck {
  ok: null;
  result: "skipped";
  summary: string;
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

/** The text table: one row per value, its source in parentheses. */
function statusTable(doc: AuthStatusDocument): string {
  const rows: [string, string, string][] = [];
  for (const [key, entry] of Object.entries(doc)) {
    if (key === "check") continue;
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
  const check = doc.check;
  if (check && check.ok !== false) {
    const label = check.ok === null ? "" : check.result === "ok" ? "ok: " : "warning: ";
    rows.push(["check", `${label}${check.summary}`, ""]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.filter((r) => r[2]).map((r) => r[1].length));
  return rows
    .map(([k, v, s]) =>
      `${k.padEnd(width)}  ${s ? `${v.padEnd(valueWidth)}  (${s})` : v}`.trimEnd(),
    )
    .join("\n");
}

/** `grc auth status`: every value of the resolved profile with its source, secrets masked, and a check. */
export const statusCommand = defineCommand<{ json?: boolean; offline?: boolean }>({
  path: ["auth", "status"],
  summary:
    "Show the profile, base URL, organization and credential in use, where each came from, and whether the server accepts the credential",
  options: [
    { flags: "--json", description: "print a JSON document" },
    { flags: "--offline", description: "do not contact the server; show the local values only" },
  ],
  help: [
    "secret_location says where the secret lives: file (config.json), keyring (the OS keyring),",
    "command (a helper program, named by credential_command) or env (GRC_* variables).",
    "The check sends one cheap authenticated request and shows what the platform tells:",
    "StrataGRC names the user and organization, Evident the organization, Sovereign GRC only",
    "whether the key can read evidence (a 403 names the missing scope). See docs/configuration.md.",
    "Exits 3 when no credential is configured or the server rejects it, 4 when the server",
    "cannot be reached; the values are printed first either way.",
  ].join("\n"),
  async run(ctx, _args, opts) {
    const profile = await ctx.profile();
    const doc = authStatusDocument(profile);
    let failure: unknown;
    if (profile.credential.kind === "none") {
      doc.check = { ok: null, result: "skipped", summary: "not checked: no credential" };
    } else if (opts.offline) {
      doc.check = { ok: null, result: "skipped", summary: "not checked (--offline)" };
    } else if (profile.baseUrl) {
      const { checkCredential, CredentialCheckFailed } = await import(
        "../../core/config/verify.js"
      );
      try {
        const client = await ctx.api();
        doc.check = await checkCredential(
          client,
          {
            platform: profile.platform ?? "sovereign",
            orgId: profile.orgId,
            paths: profile.paths,
            baseUrl: profile.baseUrl,
          },
          ctx.signal,
        );
      } catch (err) {
        if (err instanceof CredentialCheckFailed) doc.check = err.check;
        failure = err;
      }
    } else {
      doc.check = { ok: null, result: "skipped", summary: "not checked: no base URL" };
    }
    const out = opts.json ? JSON.stringify(doc, null, 2) : statusTable(doc);
    await writeWithBackpressure(ctx.io.stdout, `${out}\n`);
    if (profile.credential.kind === "none") {
      throw new AuthError(
        `no credentials for profile "${profile.name}"`,
        "run `grc auth login`, or set GRC_API_KEY (or GRC_HMAC_KEY_ID/GRC_HMAC_SECRET, GRC_SESSION)",
      );
    }
    if (!opts.offline && !profile.baseUrl) {
      throw new AuthError(
        "no base URL configured, so the credential cannot be checked",
        "run `grc auth login`, pass --base-url or set GRC_BASE_URL (or pass --offline)",
      );
    }
    if (failure) throw failure;
    return 0;
  },
});
