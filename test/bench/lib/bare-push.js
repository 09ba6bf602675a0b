// The ceiling for many small files: the seed's four requests per file (upload-url, PUT,
// verify, link) with undici at a given concurrency, and nothing else: one keep-alive pool of
// `concurrency` connections per origin (API and storage), each file read once and hashed in
// one call, response bodies read once, no CLI, no state, no receipts, no retries, no output.
// It checks what a careful script checks: every status, and verify's `verified: true` (the
// one field the document promises).
// Usage: node bare-push.js DIR [concurrency]   (GRC_BASE_URL/GRC_ORG_ID/GRC_API_KEY)
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Agent, request } from "undici";

const dir = process.argv[2];
const concurrency = Number(process.argv[3] ?? 16);
const names = readdirSync(dir).sort();
const base = `${process.env.GRC_BASE_URL}/api/v1/orgs/${process.env.GRC_ORG_ID}/evidence`;
const auth = `Bearer ${process.env.GRC_API_KEY}`;
const dispatcher = new Agent({ connections: concurrency });
const jsonHeaders = { authorization: auth, "content-type": "application/json" };
const authHeaders = { authorization: auth };

async function call(method, url, headers, body) {
  const res = await request(url, { method, headers, body, dispatcher });
  const text = await res.body.text();
  if (res.statusCode >= 300) {
    throw new Error(`${method} ${url.split("?")[0]} -> ${res.statusCode} ${text}`);
  }
  return text;
}

async function pushOne(name) {
  const bytes = await readFile(join(dir, name));
  const hash = createHash("sha256").update(bytes).digest("hex");
  const up = JSON.parse(
    await call(
      "POST",
      `${base}/upload-url`,
      jsonHeaders,
      JSON.stringify({ filename: name, content_type: "text/csv", control_id: "CC6.1" }),
    ),
  );
  await call("PUT", up.upload_url, { "content-type": "text/csv" }, bytes);
  const q = new URLSearchParams({ object_key: up.object_key, expected_hash: hash });
  const verified = JSON.parse(await call("POST", `${base}/verify?${q}`, authHeaders)).verified;
  if (verified !== true) throw new Error(`verify of ${name} answered verified: ${verified}`);
  await call(
    "POST",
    `${base}/${hash}/link-to-control`,
    jsonHeaders,
    JSON.stringify({ control_id: "CC6.1", framework_id: "SOC2", object_key: up.object_key }),
  );
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < names.length) await pushOne(names[next++]);
  }),
);
await dispatcher.close();
