import { AuthError, GrcError, HttpError } from "../../errors.js";
import type { ApiClient, ApiRequest } from "../../http/types.js";
import type { Platform } from "./types.js";

/** What a probe needs to know about the profile being logged in. */
export interface ProbeTarget {
  platform: Platform;
  orgId: string | undefined;
  /** StrataGRC module path overrides (authStatus). */
  paths: Record<string, string>;
}

/** One cheap authenticated call per platform, used by `grc auth login` to check a credential. */
export const CREDENTIAL_PROBES: Record<Platform, (target: ProbeTarget) => ApiRequest> = {
  // Needs read:evidence; a write-only key gets 403 "missing required scope", which saves and warns.
  sovereign: (t) => ({
    method: "GET",
    path: `/api/v1/orgs/${encodeURIComponent(t.orgId ?? "")}/evidence?page%5Bsize%5D=1`,
    headers: { accept: "application/json" },
  }),
  evident: () => ({
    method: "GET",
    path: "/api/v2/organizations?page%5Bsize%5D=1",
    headers: { accept: "application/vnd.api+json" },
  }),
  strata: (t) => ({
    method: "GET",
    path: t.paths.authStatus ?? "/strata/api/auth/status",
    headers: { accept: "application/json" },
  }),
};

/** The result of a successful check: `warning` when the credential works but lacks a scope. */
export interface VerifyOutcome {
  warning?: string;
}

const NOTHING_SAVED = "nothing was saved";

/**
 * Sends the platform's probe with the new credential. Resolves when the credential is
 * accepted (with a warning for a missing scope); throws a one-line GrcError otherwise.
 */
export async function verifyCredential(
  client: ApiClient,
  target: ProbeTarget,
  signal?: AbortSignal,
): Promise<VerifyOutcome> {
  let body: unknown;
  try {
    body = await sendProbe(client, target, signal);
  } catch (err) {
    return failedProbe(err, target);
  }
  if (notAuthenticated(target, body)) {
    throw new AuthError(
      "login failed: the server says the session is not authenticated",
      `log in to StrataGRC in the browser, copy a fresh session cookie and try again; ${NOTHING_SAVED}`,
    );
  }
  return {};
}

async function sendProbe(
  client: ApiClient,
  target: ProbeTarget,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const request = { ...CREDENTIAL_PROBES[target.platform](target), attempts: 2, signal };
  const response = await client.request(request);
  return safeJson(response.text());
}

/** StrataGRC may answer 200 with authenticated:false instead of 401 (bare or in `data`). */
function notAuthenticated(target: ProbeTarget, body: unknown): boolean {
  return target.platform === "strata" && strataStatus(body)?.authenticated === false;
}

function strataStatus(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body)) return undefined;
  return isObject(body.data) ? body.data : body;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

/**
 * What `grc auth status` learned from the probe. What a platform can tell differs:
 * StrataGRC's status call names the user and organization; Evident's organizations list
 * names the organization the key sees; Sovereign names neither, but a 200 on the evidence
 * list proves read:evidence and a 403 "missing required scope: X" names the scope it lacks.
 */
export interface CredentialCheck {
  ok: boolean;
  /** ok, missing_scope, rejected (401/403, exit 3), unreachable or server_error (exit 4). */
  result: "ok" | "missing_scope" | "rejected" | "unreachable" | "server_error";
  /** The platform's user name, where it says (StrataGRC). */
  user?: string;
  /** The organization the credential acts in, where the platform names it. */
  organization?: string;
  /** Scopes the check proved the key has (Sovereign: read:evidence on a 200). */
  scopes_proven?: string[];
  /** The scope a 403 said is missing (Sovereign). */
  missing_scope?: string;
  /** One line for people: what the check found. */
  summary: string;
  /** HTTP status of the probe, when there was an answer. */
  http_status?: number;
}

/** A failed check: the check to print, and the error (exit 3 or 4) to end with. */
export class CredentialCheckFailed extends GrcError {
  constructor(
    readonly check: CredentialCheck,
    cause: GrcError,
    hint: string,
  ) {
    super(check.summary, cause.exitCode, hint, { cause });
  }
}

/**
 * `grc auth status`'s check: one probe with the resolved credential. Resolves with what the
 * platform told (also for a missing scope: the key works); rejects with CredentialCheckFailed.
 */
export async function checkCredential(
  client: ApiClient,
  target: ProbeTarget & { baseUrl: string },
  signal?: AbortSignal,
): Promise<CredentialCheck> {
  let body: unknown;
  try {
    body = await sendProbe(client, target, signal);
  } catch (err) {
    return failedCheck(err, target);
  }
  if (notAuthenticated(target, body)) {
    const check: CredentialCheck = {
      ok: false,
      result: "rejected",
      http_status: 200,
      summary: `${target.baseUrl} says the session is not authenticated`,
    };
    throw new CredentialCheckFailed(
      check,
      new AuthError(check.summary),
      "log in to StrataGRC in the browser and store a fresh cookie with `grc auth login --session-stdin`",
    );
  }
  return { ok: true, result: "ok", http_status: 200, ...identityOf(target, body) };
}

function identityOf(
  target: ProbeTarget,
  body: unknown,
): Pick<CredentialCheck, "user" | "organization" | "scopes_proven" | "summary"> {
  if (target.platform === "strata") {
    const status = strataStatus(body);
    const user = isObject(status?.user) ? status.user : undefined;
    const org = isObject(status?.organization) ? status.organization : undefined;
    const userName = text(user?.username) ?? text(user?.email) ?? text(user?.name);
    const orgName = text(org?.name) ?? text(org?.id);
    return {
      ...(userName ? { user: userName } : {}),
      ...(orgName ? { organization: orgName } : {}),
      summary: `the session works${userName ? ` (user ${userName}${text(user?.role) ? `, role ${text(user?.role)}` : ""})` : ""}${orgName ? ` in organization ${orgName}` : ""}`,
    };
  }
  if (target.platform === "evident") {
    const data = isObject(body) && Array.isArray(body.data) ? body.data : [];
    const first = isObject(data[0]) ? data[0] : undefined;
    const attributes = isObject(first?.attributes) ? first.attributes : undefined;
    const orgName = text(attributes?.name) ?? text(first?.id);
    return {
      ...(orgName ? { organization: orgName } : {}),
      summary: `the credential works${orgName ? ` in organization ${orgName}` : ""} (Evident does not name a key's user)`,
    };
  }
  return {
    scopes_proven: ["read:evidence"],
    summary: `the key works in organization ${target.orgId ?? "(none)"} and can read evidence (Sovereign does not name a key's user or list its scopes)`,
  };
}

function failedCheck(err: unknown, target: ProbeTarget & { baseUrl: string }): CredentialCheck {
  if (err instanceof HttpError) {
    const detail = [err.message, ...err.details].join(" ");
    const scope = /missing required scope:?\s*([A-Za-z0-9_:*.-]+)/i.exec(detail);
    if (err.status === 403 && scope) {
      return {
        ok: true,
        result: "missing_scope",
        http_status: 403,
        missing_scope: scope[1]!,
        summary: `the key works but lacks the ${scope[1]} scope (commands that need it get 403; widen its scopes on the API Keys page)`,
      };
    }
    if (err.status === 401 || err.status === 403) {
      const check: CredentialCheck = {
        ok: false,
        result: "rejected",
        http_status: err.status,
        summary: /not a member of this organization/i.test(detail)
          ? `the key's user is not a member of organization ${target.orgId ?? "(none)"}`
          : `${target.baseUrl} rejected the credential: ${err.message}`,
      };
      throw new CredentialCheckFailed(
        check,
        err,
        /not a member/i.test(detail)
          ? "check the org (`grc config set org_id ...`), or log in with a key of a member"
          : "run `grc auth login` with a working credential",
      );
    }
    const check: CredentialCheck = {
      ok: false,
      result: err.exitCode === 4 ? "server_error" : "rejected",
      http_status: err.status,
      summary: `the check failed: ${err.message}`,
    };
    throw new CredentialCheckFailed(
      check,
      err,
      err.status === 404
        ? `is ${target.baseUrl} the ${target.platform} address? (pass --offline to skip the check)`
        : (err.hint ?? "try again later, or pass --offline to skip the check"),
    );
  }
  if (err instanceof GrcError) {
    const check: CredentialCheck = {
      ok: false,
      result: err.exitCode === 3 ? "rejected" : "unreachable",
      summary: err.exitCode === 3 ? err.message : `cannot reach ${target.baseUrl}: ${err.message}`,
    };
    throw new CredentialCheckFailed(
      check,
      err,
      err.exitCode === 3
        ? (err.hint ?? "run `grc auth login`")
        : "is the server running and the base URL right? pass --offline to skip the check",
    );
  }
  throw err;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function failedProbe(err: unknown, target: ProbeTarget): VerifyOutcome {
  if (err instanceof HttpError) {
    const text = [err.message, ...err.details].join(" ");
    const scope = /missing required scope:?\s*([A-Za-z0-9_:*.-]+)/i.exec(text);
    if (err.status === 403 && scope) {
      return {
        warning: `warning: the key works but lacks the ${scope[1]} scope, so some commands will get 403; widen its scopes on the API Keys page`,
      };
    }
    if (/not a member of this organization/i.test(text)) {
      throw new AuthError(
        `login failed: the key's user is not a member of organization ${target.orgId ?? "(none)"}`,
        `check --org, or use a key of a member of that organization; ${NOTHING_SAVED}`,
        { cause: err },
      );
    }
    if (err.status === 401) {
      throw new AuthError(
        `login failed: the server rejected the credential (${err.message})`,
        `check the key or secret and try again; ${NOTHING_SAVED}`,
        { cause: err },
      );
    }
    if (err.status === 404) {
      throw new GrcError(
        `login failed: ${err.message}`,
        err.exitCode,
        `is --base-url the ${target.platform} address? ${NOTHING_SAVED} (pass --no-verify to save anyway)`,
        { cause: err },
      );
    }
  }
  if (err instanceof GrcError) {
    throw new GrcError(
      `login failed: ${err.message}`,
      err.exitCode,
      `${err.hint ? `${err.hint}; ` : ""}${NOTHING_SAVED} (pass --no-verify to save without checking)`,
      { cause: err },
    );
  }
  throw err;
}
