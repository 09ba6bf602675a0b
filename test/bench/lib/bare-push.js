// The ceiling: only the seed's four requests per file with undici at a given concurrency,
// one keep-alive pool per origin, no CLI, no state, no receipts, no retries, no output.
// Usage: node bare-push.js <concurrency> < list-of-files   (GRC_BASE_URL/GRC_ORG_ID/GRC_API_KEY)
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { Agent, request } from "undici";

const concurrency = Number(process.argv[2] ?? 16);
const files = readFileSync(0, "utf8").split("\n").filter(Boolean);
const base = `${process.env.GRC_BASE_URL}/api/v1/orgs/${process.env.GRC_ORG_ID}/evidence`;
const auth = `Bearer ${process.env.GRC_API_KEY}`;
const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });

async function call(method, url, headers, body) {
  const res = await request(url, { method, headers, body, dispatcher });
  const text = await res.body.text();
  if (res.statusCode >= 300)
    throw new Error(`${method} ${url.split("?")[0]} -> ${res.statusCode} ${text}`);
  return text;
}

async function pushOne(path) {
  const bytes = await readFile(path);
  const hash = createHash("sha256").update(bytes).digest("hex");
  const json = { authorization: auth, "content-type": "application/json" };
  const up = JSON.parse(
    await call(
      "POST",
      `${base}/upload-url`,
      json,
      JSON.stringify({ filename: basename(path), content_type: "text/csv", control_id: "CC6.1" }),
    ),
  );
  await call(
    "PUT",
    up.upload_url,
    { "content-type": "text/csv", "content-length": String(bytes.length) },
    bytes,
  );
  const q = new URLSearchParams({ object_key: up.object_key, expected_hash: hash });
  await call("POST", `${base}/verify?${q}`, { authorization: auth });
  await call(
    "POST",
    `${base}/${hash}/link-to-control`,
    json,
    JSON.stringify({ control_id: "CC6.1", framework_id: "SOC2", object_key: up.object_key }),
  );
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < files.length) await pushOne(files[next++]);
  }),
);
await dispatcher.close();
