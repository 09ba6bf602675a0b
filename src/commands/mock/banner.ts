import type { MockServer } from "../../mock/server.js";

/**
 * What `grc mock serve` prints on start. The mock is the one place where grc prints keys on
 * purpose: they are fixed demo values, useless anywhere but against this mock.
 */
export function formatIdentity(
  server: Pick<MockServer, "baseUrl" | "storageUrl" | "identity" | "faultSeed" | "platforms">,
  opts: { json: boolean; faults?: string | undefined },
): string {
  const id = server.identity;
  if (opts.json) {
    return `${JSON.stringify({
      base_url: server.baseUrl,
      storage_url: server.storageUrl,
      org_id: id.orgId,
      api_key: id.apiKey,
      read_only_api_key: id.readOnlyApiKey,
      no_org_api_key: id.noOrgApiKey,
      hmac_key_id: id.hmacKeyId,
      hmac_secret: id.hmacSecret,
      session: id.session,
      fault_seed: server.faultSeed,
    })}\n`;
  }
  const rows: [string, string][] = [
    ["API", server.baseUrl],
    ["storage", server.storageUrl || "off (upload-url answers 503)"],
    ["platforms", server.platforms.join(", ")],
    ["org", id.orgId],
    ["API key (write:*, read:*)", id.apiKey],
    ["read-only key (read:evidence)", id.readOnlyApiKey],
    ["key without an org", id.noOrgApiKey],
    ["HMAC key ID / secret", `${id.hmacKeyId} / ${id.hmacSecret}`],
    ["StrataGRC session cookie", id.session],
  ];
  if (opts.faults) rows.push(["faults", `${opts.faults} (seed ${server.faultSeed})`]);
  rows.push(["state", `${server.baseUrl}/__mock/state`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    "grc mock: demo platforms running (demo keys below are for this mock only)",
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    "",
    `export GRC_BASE_URL=${server.baseUrl} GRC_ORG_ID=${id.orgId} GRC_API_KEY=${id.apiKey}`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ].join("\n");
}
