import type { CommandContext } from "../../cli/command.js";
import { decodeHttpError } from "../../http/error-decoder.js";
import { redactHeaders } from "../../http/redact.js";
import type { ApiClient, ApiResponse } from "../../http/types.js";
import { jsonText, writeWithBackpressure } from "../../output/records.js";
import { stripControl } from "../../output/sanitize.js";

/**
 * Pretty JSON for people on a terminal (escapes stay escaped), any other body with escape
 * sequences and control characters removed so a server cannot drive the terminal; the exact
 * bytes in a pipe.
 */
function bodyText(ctx: CommandContext, res: ApiResponse): Uint8Array | string {
  if (!ctx.io.stdoutIsTTY) return res.body;
  const type = res.headers["content-type"] ?? "";
  if (/json/i.test(type) && res.body.length > 0) {
    try {
      return `${jsonText(JSON.parse(res.text()), 2)}\n`;
    } catch {
      // Not JSON after all: shown as text below.
    }
  }
  return stripControl(res.text());
}

/**
 * Prints a response (status and headers with --include, then the body) and turns a failed
 * status into the decoded one-line error, so the exit code follows the status.
 */
export async function writeResponse(
  ctx: CommandContext,
  res: ApiResponse,
  method: string,
  include: boolean,
): Promise<void> {
  if (include) {
    const lines = [`HTTP ${res.status}`];
    for (const [k, v] of Object.entries(redactHeaders(res.headers))) lines.push(`${k}: ${v}`);
    await writeWithBackpressure(ctx.io.stdout, `${lines.join("\n")}\n\n`);
  }
  if (res.body.length > 0) await writeWithBackpressure(ctx.io.stdout, bodyText(ctx, res));
  if (res.status >= 400) {
    throw decodeHttpError({
      status: res.status,
      headers: res.headers,
      body: res.body,
      method,
      url: res.url,
    });
  }
}

/**
 * Prints every page's `data` items as one JSON array, streamed (valid JSON even when a page
 * fails). Pages come from the one `links.next` walker (src/core/query/walker.ts), which ends
 * every walk: an empty page, a page of repeats or a link followed before stops it.
 */
export async function writePages(
  ctx: CommandContext,
  api: ApiClient,
  path: string,
  headers: Record<string, string>,
): Promise<void> {
  const { walkPages } = await import("../../core/query/walker.js");
  const out = ctx.io.stdout;
  const pretty = ctx.io.stdoutIsTTY;
  let count = 0;
  let opened = false;
  const get = (p: string) => ({ method: "GET" as const, path: p, headers });
  try {
    for await (const page of walkPages({
      client: api,
      pager: { page: () => get(path), next: (link) => get(link) },
      all: true,
      concurrency: 1,
      decode: "any",
      signal: ctx.signal,
    })) {
      // A body that is not a collection is printed whole, as the one item of its page.
      const items: unknown[] = Array.isArray(page.document.data) ? page.resources : [page.document];
      for (const item of items) {
        const text = pretty
          ? JSON.stringify(item, null, 2).replace(/\n/g, "\n  ")
          : JSON.stringify(item);
        const sep = count === 0 ? (pretty ? "[\n  " : "[") : pretty ? ",\n  " : ",";
        await writeWithBackpressure(out, sep + text);
        opened = true;
        count += 1;
      }
      ctx.debug(`page ${page.number}: ${items.length} items`);
    }
  } finally {
    await writeWithBackpressure(out, opened ? (pretty ? "\n]\n" : "]\n") : "[]\n");
  }
}
