import { readFile } from "node:fs/promises";
import { defineCommand } from "../../cli/command.js";
import type { Platform } from "../../core/config/types.js";
import { HttpError, UsageError } from "../../errors.js";

interface ApiOptions {
  method?: string;
  data?: string;
  header?: string[];
  paginate?: boolean;
  include?: boolean;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
type Method = (typeof METHODS)[number];
const JSONAPI = "application/vnd.api+json";

function parseMethod(value: string): Method {
  const m = value.toUpperCase();
  if (!(METHODS as readonly string[]).includes(m)) {
    throw new UsageError(`unknown method "${value}"`, `use one of ${METHODS.join(", ")}`);
  }
  return m as Method;
}

function parseHeader(value: string): [string, string] {
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(value);
  if (!m || /[\r\n]/.test(value)) {
    throw new UsageError(
      `bad --header "${value}"`,
      'use "Name: value", e.g. -H "Accept: application/json"',
    );
  }
  return [m[1]!.toLowerCase(), m[2]!];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** The body of --data: inline JSON, `@file`, or `-` for stdin. */
async function readData(value: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (value === "-") return readAll(stdin);
  if (value.startsWith("@")) {
    const file = value.slice(1);
    try {
      return await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new UsageError(`cannot read --data file ${file} (${code})`, "check the path after @");
    }
  }
  return Buffer.from(value, "utf8");
}

function isJsonType(type: string | undefined): boolean {
  return type === undefined || /json/i.test(type);
}

/**
 * `grc api` prints the server's answer as it is: the profile's platform only adds its fix to
 * the error line (a dialect that would rewrite the error is not asked here).
 */
async function withPlatformHint(platform: Platform | undefined, err: unknown): Promise<unknown> {
  if (!(err instanceof HttpError) || platform === undefined) return err;
  const errors =
    platform === "sovereign"
      ? (await import("../../platforms/sovereign/index.js")).sovereignErrors
      : platform === "strata"
        ? (await import("../../platforms/strata/index.js")).strataErrors
        : (await import("../../platforms/evident/index.js")).evidentErrors;
  const explained = errors.explain(err);
  return explained instanceof HttpError ? explained : err;
}

/** `grc api <path>`: one authenticated request, like `gh api`. */
export const apiCommand = defineCommand<ApiOptions>({
  path: ["api"],
  args: "<path>",
  summary: "Send one authenticated request and print the response body",
  options: [
    {
      flags: "-X, --method <method>",
      description: "HTTP method (default GET, or POST with --data)",
      parse: (v) => parseMethod(v),
    },
    { flags: "-d, --data <json>", description: "request body: JSON text, @file, or - for stdin" },
    {
      flags: "-H, --header <header>",
      description: 'extra request header "Name: value" (repeatable)',
      repeatable: true,
    },
    {
      flags: "--paginate",
      description: "follow JSON:API links.next and print every page's data as one JSON array",
    },
    { flags: "-i, --include", description: "print the status line and response headers first" },
  ],
  help: [
    "The path is relative to the profile's base URL (e.g. /api/v1/orgs/ORG/evidence);",
    "the request is signed with the profile's credential. The body goes to stdout (pretty",
    "JSON on a terminal, bytes as received otherwise); a failed status also prints one",
    "line on stderr and exits 2 (4xx), 3 (401/403) or 4 (5xx/429).",
    "",
    "Examples:",
    "  grc api /api/v1/orgs/$ORG/evidence",
    "  grc api /api/v2/alerts --paginate > alerts.json",
    `  grc api -X POST "/api/v1/orgs/$ORG/evidence/verify?object_key=K&expected_hash=H"`,
    `  echo '{"control_id":"AC-2"}' | grc api -X POST /path --data -`,
  ].join("\n"),
  async run(ctx, args, opts) {
    const raw = args[0] ?? "";
    const path = /^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith("/") ? raw : `/${raw}`;
    const headers: Record<string, string> = {};
    for (const h of opts.header ?? []) {
      const [name, value] = parseHeader(h);
      headers[name] = value;
    }
    const profile = await ctx.profile();
    // Evident's JSON:API answers 406 to anything but its media type.
    const jsonApi =
      profile.platform === "evident" || /^\/api\/v2\//.test(new URL(path, "http://x").pathname);
    if (jsonApi && !headers.accept) headers.accept = JSONAPI;
    // A session cookie works in an organization's context (StrataGRC).
    if (profile.credential.kind === "session" && profile.orgId && !headers["x-organization-id"]) {
      headers["x-organization-id"] = profile.orgId;
    }

    let body: Buffer | undefined;
    if (opts.data !== undefined) {
      body = await readData(opts.data, ctx.io.stdin);
      if (isJsonType(headers["content-type"])) {
        try {
          JSON.parse(body.toString("utf8"));
        } catch (err) {
          throw new UsageError(
            `--data is not valid JSON: ${(err as Error).message}`,
            "pass JSON, @file or - for stdin; for another body type add -H 'Content-Type: ...'",
          );
        }
        if (jsonApi && !headers["content-type"]) headers["content-type"] = JSONAPI;
      }
    }
    const method: Method = (opts.method as Method | undefined) ?? (body ? "POST" : "GET");
    try {
      const api = await ctx.api();
      const { writeResponse, writePages } = await import("./api-output.js");
      if (opts.paginate) {
        if (method !== "GET" || body) {
          throw new UsageError(
            "--paginate works with GET requests only",
            "drop -X/--data, or --paginate",
          );
        }
        await writePages(ctx, api, path, headers);
        return 0;
      }
      const res = await api.send({
        method,
        path,
        headers,
        ...(body ? { body: new Uint8Array(body) } : {}),
        signal: ctx.signal,
      });
      await writeResponse(ctx, res, method, Boolean(opts.include));
      return 0;
    } catch (err) {
      throw await withPlatformHint(profile.platform, err);
    }
  },
});
