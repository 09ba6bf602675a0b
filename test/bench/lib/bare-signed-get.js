// The baseline for one signed request, whole process: what an engineer writes instead of grc,
// a bare node script that signs one GET with APIAuth (HMAC-SHA1 over the Evident document's
// canonical string) and prints the body. `--undici` sends it with undici's request (the npm
// package grc is built on: the judged baseline, run by test/bench/startup.js with grc's V8 flag
// --liftoff-only); `--fetch` with node's built-in fetch (the seed's Node sample); without a
// flag with node:http (nothing to load beyond node's core). The last two are reported for
// information.
// Usage: node bare-signed-get.js <base-url> <path-and-query> [--undici|--fetch]
//        (GRC_HMAC_KEY_ID/GRC_HMAC_SECRET)
import { createHash, createHmac } from "node:crypto";

const [base, uri, mode] = process.argv.slice(2);
const type = "application/vnd.api+json";
const date = new Date().toUTCString();
const md5 = createHash("md5").update("").digest("base64");
const signature = createHmac("sha1", process.env.GRC_HMAC_SECRET)
  .update(["GET", type, md5, uri, date].join(","))
  .digest("base64");
const headers = {
  accept: type,
  "content-type": type,
  "content-md5": md5,
  date,
  authorization: `APIAuth ${process.env.GRC_HMAC_KEY_ID}:${signature}`,
};

if (mode === "--undici") {
  const { request } = await import("undici");
  const res = await request(base + uri, { headers });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${uri} -> ${res.statusCode}`);
  process.stdout.write(text);
} else if (mode === "--fetch") {
  const res = await fetch(base + uri, { headers });
  if (res.status !== 200) throw new Error(`GET ${uri} -> ${res.status}`);
  process.stdout.write(await res.text());
} else {
  const { request } = await import(base.startsWith("https:") ? "node:https" : "node:http");
  const body = await new Promise((resolve, reject) => {
    request(base + uri, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${uri} -> ${res.statusCode}`));
        else resolve(Buffer.concat(chunks));
      });
    })
      .on("error", reject)
      .end();
  });
  process.stdout.write(body);
}
