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
  const request = { ...CREDENTIAL_PROBES[target.platform](target), attempts: 2, signal };
  let body: unknown;
  try {
    const response = await client.request(request);
    body = safeJson(response.text());
  } catch (err) {
    return failedProbe(err, target);
  }
  // StrataGRC may answer 200 with authenticated:false instead of 401.
  const data = (body as { data?: { authenticated?: unknown } } | undefined)?.data;
  if (target.platform === "strata" && data?.authenticated === false) {
    throw new AuthError(
      "login failed: the server says the session is not authenticated",
      `log in to StrataGRC in the browser, copy a fresh session cookie and try again; ${NOTHING_SAVED}`,
    );
  }
  return {};
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
