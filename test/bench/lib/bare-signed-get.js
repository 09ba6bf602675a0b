// The baseline for one signed query: what an engineer writes instead of grc, a bare node
// script that signs one GET with APIAuth (HMAC-SHA1, as the Evident document describes),
// sends it with node's built-in fetch and prints the body.
// Usage: node bare-signed-get.js <base-url> <path-and-query>  (GRC_HMAC_KEY_ID/GRC_HMAC_SECRET)
import { createHash, createHmac } from "node:crypto";

const [base, uri] = process.argv.slice(2);
const type = "application/vnd.api+json";
const date = new Date().toUTCString();
const md5 = createHash("md5").update("").digest("base64");
const canonical = ["GET", type, md5, uri, date].join(",");
const signature = createHmac("sha1", process.env.GRC_HMAC_SECRET)
  .update(canonical)
  .digest("base64");
const res = await fetch(base + uri, {
  headers: {
    accept: type,
    "content-type": type,
    "content-md5": md5,
    date,
    authorization: `APIAuth ${process.env.GRC_HMAC_KEY_ID}:${signature}`,
  },
});
if (res.status !== 200) throw new Error(`GET ${uri} -> ${res.status}`);
process.stdout.write(await res.text());
