// The ceiling for `grc alerts list --all`: a bare walker written from the Evident document.
// It signs each GET with APIAuth (HMAC-SHA1 over the document's canonical string), reads
// page 1, takes the page count from `links.last` (the document: "first, previous, self, next,
// and last links when available"; without it, it follows `links.next` one by one), then keeps
// `inflight` pages in flight all the time on one keep-alive undici Pool, and prints every
// resource as one JSON line, in page order, with stdout's back-pressure respected.
// Usage: node bare-walk.js BASE_URL [page-size] [inflight]   (GRC_HMAC_KEY_ID/GRC_HMAC_SECRET)
import { createHash, createHmac } from "node:crypto";
import { once } from "node:events";
import { Pool } from "undici";

const base = process.argv[2];
const size = Number(process.argv[3] ?? 100);
const inflight = Number(process.argv[4] ?? 8);
const keyId = process.env.GRC_HMAC_KEY_ID;
const secret = process.env.GRC_HMAC_SECRET;
const type = "application/vnd.api+json";
const md5 = createHash("md5").update("").digest("base64");
const pool = new Pool(base, { connections: inflight });

async function get(uri) {
  const date = new Date().toUTCString();
  const signature = createHmac("sha1", secret)
    .update(`GET,${type},${md5},${uri},${date}`)
    .digest("base64");
  const res = await pool.request({
    method: "GET",
    path: uri,
    headers: {
      accept: type,
      "content-type": type,
      "content-md5": md5,
      date,
      authorization: `APIAuth ${keyId}:${signature}`,
    },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${uri} -> ${res.statusCode} ${text}`);
  return JSON.parse(text);
}

const pageUri = (n) => `/api/v2/alerts?page[number]=${n}&page[size]=${size}`;

async function print(doc) {
  let out = "";
  for (const resource of doc.data) out += `${JSON.stringify(resource)}\n`;
  if (!process.stdout.write(out)) await once(process.stdout, "drain");
}

/** The path and query of a link (absolute in any spelling, or relative). */
function pathOf(link) {
  const href = typeof link === "string" ? link : link?.href;
  if (!href) return undefined;
  const url = new URL(href, base);
  return url.pathname + url.search;
}

const first = await get(pageUri(1));
await print(first);
const lastHref = first.links?.last;
const last = lastHref
  ? Number(
      new URL(typeof lastHref === "string" ? lastHref : lastHref.href, base).searchParams.get(
        "page[number]",
      ),
    )
  : undefined;
if (last !== undefined && Number.isInteger(last)) {
  const pages = new Array(last + 1);
  let running = 0;
  let next = 2;
  const fill = () => {
    while (running < inflight && next <= last) {
      const n = next++;
      running += 1;
      pages[n] = get(pageUri(n)).finally(() => {
        running -= 1;
        fill();
      });
      pages[n].catch(() => {}); // reported when awaited in order below
    }
  };
  fill();
  for (let n = 2; n <= last; n++) {
    const doc = await pages[n];
    pages[n] = undefined;
    await print(doc);
  }
} else {
  for (let uri = pathOf(first.links?.next); uri; ) {
    const doc = await get(uri);
    await print(doc);
    uri = pathOf(doc.links?.next);
  }
}
await pool.close();
