import type { MockIdentity } from "./types.js";

/** The demo identity: the seed's org, the Evident document's HMAC example key, fixed demo keys. */
export const demoIdentity: MockIdentity = {
  orgId: "00000000-0000-0000-0000-000000000001",
  apiKey: "sk-demo-write-0123456789abcdef",
  readOnlyApiKey: "sk-demo-read-evidence-0123456789",
  noOrgApiKey: "sk-demo-no-org-0123456789abcdef",
  hmacKeyId: "abc",
  hmacSecret: "abc123",
  session: "strata-demo-session-0123456789abcdef",
};

/** A caller the mock recognised from its Bearer key. */
export interface BearerPrincipal {
  apiKey: string;
  userEmail: string;
  scopes: readonly string[];
  /** Organizations the key's user belongs to. */
  orgIds: readonly string[];
}

/** The keys the mock knows and what each may do. */
export function bearerPrincipals(identity: MockIdentity): BearerPrincipal[] {
  return [
    {
      apiKey: identity.apiKey,
      userEmail: "demo@example.com",
      scopes: ["write:*", "read:*"],
      orgIds: [identity.orgId],
    },
    {
      apiKey: identity.readOnlyApiKey,
      userEmail: "auditor@example.com",
      scopes: ["read:evidence"],
      orgIds: [identity.orgId],
    },
    {
      apiKey: identity.noOrgApiKey,
      userEmail: "stranger@example.com",
      scopes: ["write:*", "read:*"],
      orgIds: [],
    },
  ];
}

/** True when `granted` covers `required` (write:* covers write:evidence, read:* covers read:evidence). */
export function hasScope(granted: readonly string[], required: string): boolean {
  const [action] = required.split(":");
  return granted.includes(required) || granted.includes(`${action}:*`);
}
