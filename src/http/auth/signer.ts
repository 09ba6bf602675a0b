import type { Credential } from "../../core/config/types.js";
import { UsageError } from "../../errors.js";
import { apiAuthHeaders, JSONAPI_MEDIA_TYPE } from "./apiauth.js";

/** What a signer needs to know about one attempt of a request. */
export interface SignInput {
  method: string;
  /** Path plus query string exactly as it goes on the wire. */
  requestUri: string;
  /** The body bytes (undefined for no body; stream bodies cannot be hashed). */
  body: string | Uint8Array | undefined;
  /** True when the body is a stream: APIAuth cannot sign it. */
  streamBody: boolean;
  /** Content-Type the caller chose, if any (APIAuth signs exactly this). */
  contentType: string | undefined;
  /** The attempt's time: each attempt is signed anew with a fresh Date. */
  now: Date;
  /** Organization for the session cookie's X-Organization-Id. */
  orgId: string | undefined;
}

/** Media type JSON bodies get when the caller names none (APIAuth always uses JSON:API). */
export const JSON_MEDIA_TYPE = "application/json";

/**
 * Headers that authenticate one attempt: `Authorization: Bearer sk-...`, APIAuth (Date,
 * Content-MD5 or X-Authorization-Content-SHA256, explicit Content-Type and Accept), or
 * `Cookie: session=...` with `X-Organization-Id`.
 */
export function credentialHeaders(
  credential: Credential,
  input: SignInput,
): Record<string, string> {
  switch (credential.kind) {
    case "bearer":
      return { authorization: `Bearer ${credential.apiKey}` };
    case "session": {
      // A bare value is the session cookie's value; a value with "=" is a whole Cookie header.
      const cookie = credential.cookie.includes("=")
        ? credential.cookie
        : `session=${credential.cookie}`;
      const headers: Record<string, string> = { cookie };
      if (input.orgId) headers["x-organization-id"] = input.orgId;
      return headers;
    }
    case "hmac": {
      if (input.streamBody) {
        throw new UsageError(
          "APIAuth cannot sign a streamed request body",
          "send the body as bytes, or use a Bearer API key for this call",
        );
      }
      return apiAuthHeaders({
        keyId: credential.keyId,
        secret: credential.secret,
        algorithm: credential.algorithm,
        method: input.method,
        requestUri: input.requestUri,
        body: input.body ?? "",
        contentType: input.contentType ?? JSONAPI_MEDIA_TYPE,
        date: input.now,
      });
    }
    case "none":
      return {};
  }
}

/** The secret strings of a credential, for scrubbing free text. */
export function credentialSecrets(credential: Credential): string[] {
  switch (credential.kind) {
    case "bearer":
      return [credential.apiKey];
    case "hmac":
      return [credential.secret];
    case "session":
      return [credential.cookie];
    case "none":
      return [];
  }
}
