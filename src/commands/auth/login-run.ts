import { resolve as resolvePath } from "node:path";
import type { CommandContext } from "../../cli/command.js";
import { liftoffOnly } from "../../cli/wasm-tier.js";
import { ACCEPTED_CREDENTIALS, checkCredentialFits } from "../../core/config/credential.js";
import { ENV_VARS } from "../../core/config/env.js";
import {
  applyLogin,
  type LoginInput,
  type RealCredential,
  secretField,
  secretOf,
} from "../../core/config/login.js";
import { credentialLabel, maskedCredentialFields } from "../../core/config/mask.js";
import { targetProfileName } from "../../core/config/profile-name.js";
import type { CredentialKind, Platform, StoredProfile } from "../../core/config/types.js";
import {
  PLATFORMS,
  validateApiKey,
  validateBaseUrl,
  validateOrgId,
  validateSecret,
} from "../../core/config/validate.js";
import { UsageError } from "../../errors.js";
import { openStore } from "../config/open-store.js";
import type { LoginOptions } from "./login.js";
import { type Prompter, promptValidator } from "./prompter.js";
import { readSecretFromStdin } from "./stdin-secret.js";

const PLATFORM_NAMES: Record<Platform, string> = {
  sovereign: "Sovereign GRC (Bearer sk- API key)",
  evident: "Evident (APIAuth HMAC key, or sk- API key)",
  strata: "StrataGRC (session cookie)",
};

/** The credential kind the stdin/key flags ask for, after checking they do not conflict. */
function credentialKindFromFlags(opts: LoginOptions): CredentialKind | undefined {
  const stdinFlags = [
    opts.apiKeyStdin && "--api-key-stdin",
    opts.hmacSecretStdin && "--hmac-secret-stdin",
    opts.sessionStdin && "--session-stdin",
  ].filter(Boolean);
  if (stdinFlags.length > 1) {
    throw new UsageError(
      `${stdinFlags.join(" and ")} cannot be combined`,
      "stdin holds one secret; pass exactly one --*-stdin flag",
    );
  }
  const hmac = opts.hmacKeyId !== undefined || opts.hmacSecretStdin;
  if (hmac && (opts.apiKeyStdin || opts.sessionStdin)) {
    throw new UsageError(
      "--hmac-key-id cannot be combined with --api-key-stdin or --session-stdin",
      "a profile holds one credential; pick one kind",
    );
  }
  if (opts.hmacSha256 && !hmac) {
    throw new UsageError(
      "--hmac-sha256 applies only to an HMAC key",
      "add --hmac-key-id ID --hmac-secret-stdin",
    );
  }
  if (opts.apiKeyStdin) return "bearer";
  if (hmac) return "hmac";
  if (opts.sessionStdin) return "session";
  return undefined;
}

/** Collects the login's values: flags, then environment and the stored profile, then prompts on a terminal. */
class LoginQuestions {
  private prompter: Prompter | undefined;
  constructor(private readonly ctx: CommandContext) {}

  get interactive(): boolean {
    return this.ctx.io.stdinIsTTY;
  }

  /** The prompter, or a UsageError naming the flag when stdin is not a terminal. */
  async ask(flag: string): Promise<Prompter> {
    if (!this.interactive) {
      throw new UsageError(
        `missing ${flag}`,
        "stdin is not a terminal, so grc cannot prompt for it",
      );
    }
    if (!this.prompter) {
      const { createPrompter } = await import("./prompter.js");
      this.prompter = await createPrompter(this.ctx);
    }
    return this.prompter;
  }
}

async function collectCredential(
  q: LoginQuestions,
  ctx: CommandContext,
  opts: LoginOptions,
  kind: CredentialKind,
  stored: StoredProfile | undefined,
): Promise<RealCredential> {
  if (kind === "bearer") {
    const apiKey = opts.apiKeyStdin
      ? await readSecretFromStdin(ctx.io.stdin, "the API key on stdin")
      : await (await q.ask("--api-key-stdin")).secret(
          "API key (sk-...)",
          promptValidator((v) => validateApiKey(v, "the API key")),
        );
    return { kind, apiKey: validateApiKey(apiKey, "the API key on stdin") };
  }
  if (kind === "hmac") {
    const keyId =
      opts.hmacKeyId ??
      (await (
        await q.ask("--hmac-key-id")
      ).text("HMAC key ID", {
        validate: promptValidator((v) => validateSecret(v, "the key ID")),
      }));
    const secret = opts.hmacSecretStdin
      ? await readSecretFromStdin(ctx.io.stdin, "the HMAC secret on stdin")
      : await (await q.ask("--hmac-secret-stdin")).secret(
          "HMAC secret",
          promptValidator((v) => validateSecret(v, "the secret")),
        );
    const algorithm = opts.hmacSha256 ? "sha256" : (stored?.hmac_algorithm ?? "sha1");
    return {
      kind,
      keyId: validateSecret(keyId, "--hmac-key-id"),
      secret: validateSecret(secret, "the HMAC secret"),
      algorithm,
    };
  }
  const cookie = opts.sessionStdin
    ? await readSecretFromStdin(ctx.io.stdin, "the session cookie on stdin")
    : await (await q.ask("--session-stdin")).secret(
        "Session cookie (the value of the `session` cookie)",
        promptValidator((v) => validateSecret(v, "the session cookie")),
      );
  return { kind: "session", cookie: validateSecret(cookie, "the session cookie") };
}

async function collectLogin(
  ctx: CommandContext,
  opts: LoginOptions,
  name: string,
  stored: StoredProfile | undefined,
): Promise<LoginInput> {
  const q = new LoginQuestions(ctx);
  let kind = credentialKindFromFlags(opts);
  if (!kind && !q.interactive) {
    throw new UsageError(
      "no credential given",
      "pass --api-key-stdin, --hmac-key-id ID --hmac-secret-stdin, or --session-stdin (stdin is not a terminal, so grc cannot prompt)",
    );
  }

  let platform = opts.platform;
  if (!platform && kind) {
    platform =
      kind === "bearer"
        ? stored?.platform && ACCEPTED_CREDENTIALS[stored.platform].includes("bearer")
          ? stored.platform
          : "sovereign"
        : kind === "hmac"
          ? "evident"
          : "strata";
  }
  platform ??=
    stored?.platform ??
    (await (
      await q.ask("--platform")
    ).choose(
      "Platform",
      PLATFORMS.map((p) => ({ value: p, name: PLATFORM_NAMES[p] })),
    ));
  if (kind) checkCredentialFits(platform, kind);

  const insecure = Boolean(opts.insecure || stored?.insecure);
  const envBase = ctx.env[ENV_VARS.base_url] || undefined;
  const baseUrl =
    opts.baseUrl !== undefined
      ? validateBaseUrl(opts.baseUrl, insecure, "--base-url")
      : envBase !== undefined
        ? validateBaseUrl(envBase, insecure, ENV_VARS.base_url)
        : stored?.base_url !== undefined
          ? validateBaseUrl(stored.base_url, insecure, `base_url of profile "${name}"`)
          : validateBaseUrl(
              await (await q.ask("--base-url")).text("Base URL (https://...)", {
                validate: promptValidator((v) => validateBaseUrl(v, insecure, "the base URL")),
              }),
              insecure,
              "the base URL",
            );

  const envOrg = ctx.env[ENV_VARS.org_id] || undefined;
  let orgId =
    opts.org !== undefined
      ? validateOrgId(opts.org, "--org")
      : envOrg !== undefined
        ? validateOrgId(envOrg, ENV_VARS.org_id)
        : stored?.org_id;
  if (orgId === undefined && platform === "sovereign") {
    // Sovereign paths carry the organization; the others take it only as an optional header.
    orgId = validateOrgId(
      await (await q.ask("--org")).text("Organization ID", {
        validate: promptValidator((v) => validateOrgId(v, "the organization ID")),
      }),
      "the organization ID",
    );
  }

  if (!kind) {
    const accepted = ACCEPTED_CREDENTIALS[platform];
    kind =
      accepted.length === 1
        ? accepted[0]!
        : await (await q.ask("--api-key-stdin")).choose(
            "Credential",
            accepted.map((k) => ({ value: k, name: credentialLabel(k) })),
          );
  }
  const credential = await collectCredential(q, ctx, opts, kind, stored);
  const caCert = opts.caCert !== undefined ? resolvePath(opts.caCert) : undefined;
  return { profile: name, platform, baseUrl, orgId, credential, insecure, caCert };
}

/** Environment variables that would override the stored credential, for a heads-up after login. */
function envCredentialVars(env: NodeJS.ProcessEnv): string[] {
  return [ENV_VARS.api_key, ENV_VARS.hmac_key_id, ENV_VARS.hmac_secret, ENV_VARS.session].filter(
    (v) => Boolean(env[v]),
  );
}

/** `grc auth login`'s run (src/commands/auth/login.ts): loaded only when the command runs. */
export async function runLogin(ctx: CommandContext, opts: LoginOptions): Promise<number> {
  const store = await openStore(ctx);
  const data = store.read();
  const name = targetProfileName(data, opts.profile, ctx.env);
  const stored = Object.hasOwn(data.profiles, name) ? data.profiles[name] : undefined;
  const input = await collectLogin(ctx, opts, name, stored);

  let verified = false;
  if (opts.verify !== false) {
    liftoffOnly();
    const [{ createApiClient }, { verifyCredential }] = await Promise.all([
      import("../../http/client.js"),
      import("../../core/config/verify.js"),
    ]);
    const client = createApiClient({
      baseUrl: input.baseUrl,
      credential: input.credential,
      caCert: input.caCert ?? stored?.ca_cert,
      insecure: input.insecure,
      ...(input.orgId !== undefined ? { orgId: input.orgId } : {}),
      env: ctx.env,
      notice: ctx.warn,
      ...(ctx.globals.debug ? { debug: ctx.debug } : {}),
      ...(ctx.globals.timeout !== undefined ? { timeoutMs: ctx.globals.timeout * 1000 } : {}),
    });
    try {
      const outcome = await verifyCredential(
        client,
        { platform: input.platform, orgId: input.orgId, paths: stored?.paths ?? {} },
        ctx.signal,
      );
      if (outcome.warning) ctx.warn(outcome.warning);
    } finally {
      await client.close();
    }
    verified = true;
  }

  let keyring = false;
  if (opts.keyring) {
    const { keyringStore, KeyringUnavailable } = await import("../../core/config/keyring.js");
    try {
      await keyringStore(name, secretField(input.credential), secretOf(input.credential));
      keyring = true;
    } catch (err) {
      if (!(err instanceof KeyringUnavailable)) throw err;
      ctx.warn(
        `warning: no OS keyring is available (${err.message}); the secret goes to ${store.path} (mode 0600) instead`,
      );
    }
  }
  let active = false;
  await store.update((d) => {
    active = applyLogin(d, { ...input, keyring });
  });
  // A secret the profile kept in the keyring before is replaced: remove the old entry.
  if (stored?.keyring && !(keyring && stored.keyring === secretField(input.credential))) {
    const { keyringDelete } = await import("../../core/config/keyring.js");
    await keyringDelete(name, stored.keyring);
  }
  const shown = Object.values(maskedCredentialFields(input.credential)).slice(0, 1).join("");
  ctx.warn(
    `Logged in to ${input.platform} at ${input.baseUrl} as profile "${name}" with ${credentialLabel(input.credential.kind)} ${shown}${verified ? "" : " (not verified: --no-verify)"}; saved to ${keyring ? `the OS keyring (profile settings in ${store.path})` : store.path}`,
  );
  if (!active) {
    ctx.warn(
      `Profile "${name}" is not the active profile; use it with --profile ${name} or make it active with \`grc config use ${name}\``,
    );
  }
  const overriding = envCredentialVars(ctx.env);
  if (overriding.length > 0) {
    ctx.warn(
      `note: ${overriding.join(", ")} set in this environment override the stored credential`,
    );
  }
  return 0;
}
