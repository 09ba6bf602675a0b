import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect } from "vitest";
import type { CliResult } from "../../helpers/cli.js";

/**
 * Small loopback servers for hostile or broken responses (a real node:http server, so the
 * bytes go through the real client), and the check every bad-input test shares: one clean
 * line on stderr, the documented exit code, no stack trace.
 */

/** One request a server received. */
export interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A programmable loopback server. */
export interface TestServer {
  url: string;
  requests: Captured[];
  /** Replaces the handler (tests switch responses between runs). */
  handle(fn: Handler): void;
}

/** Answers one request; the body was already read into `req.body`. */
export type Handler = (req: Captured, res: ServerResponse) => void | Promise<void>;

/** Starts a server on 127.0.0.1:0 in beforeAll and closes it in afterAll. */
export function withServer(
  initial: Handler = (_q, res) => {
    res.writeHead(404).end();
  },
): TestServer {
  let handler = initial;
  const requests: Captured[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const captured: Captured = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(captured);
      Promise.resolve(handler(captured, res)).catch(() => res.destroy());
    });
  });
  const out: TestServer = {
    url: "",
    requests,
    handle(fn) {
      handler = fn;
    },
  };
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    out.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return out;
}

/** Sends a body with a status and content type. */
export function reply(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
) {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A Sovereign evidence API for one known file, as a hostile-server test needs it: upload-url
 * and download-url answer with the test's URL and object key (`slot()`), verify confirms the
 * hash it is asked about, link-to-control creates a lineage row. Returns false for any other
 * path, so the caller can answer it (or 404).
 */
export function answerEvidenceFlow(
  req: Captured,
  res: ServerResponse,
  file: { content: string; maxSize: number; slot: () => { url: string; object_key: string } },
): boolean {
  const path = req.url.split("?")[0]!;
  const json = (body: unknown) => reply(res, 200, "application/json", JSON.stringify(body));
  const sha256 = createHash("sha256").update(file.content).digest("hex");
  const { url, object_key } = file.slot();
  if (path.endsWith("/upload-url")) {
    json({ upload_url: url, object_key, expires_in: 900, max_size: file.maxSize });
  } else if (path.endsWith("/download-url")) {
    json({ download_url: url, object_key, expires_in: 900, sha256, size: file.content.length });
  } else if (path.endsWith("/verify")) {
    const q = new URLSearchParams(req.url.split("?")[1]);
    json({
      object_key: q.get("object_key"),
      expected_hash: q.get("expected_hash"),
      actual_hash: q.get("expected_hash"),
      size: file.content.length,
      verified: true,
    });
  } else if (path.endsWith("/link-to-control")) {
    json({
      lineage_id: "l1",
      evidence_id: sha256,
      control_id: "C1",
      framework_id: null,
      assessment_id: null,
      created: true,
    });
  } else {
    return false;
  }
  return true;
}

/** True when text holds a JavaScript stack frame ("    at fn (file:line:col)"). */
export const hasStackTrace = (text: string): boolean =>
  /\n\s+at\s.+(:\d+:\d+\)?|native)/.test(text);

/**
 * A failure as issue 7 wants it: an allowed exit code, exactly one line on stderr starting
 * "grc: ", no "unexpected error" (an unhandled exception), no stack trace. (stdout may hold
 * what `grc api` received: the body is the user's data.)
 */
export function expectCleanFailure(
  r: CliResult,
  codes: readonly number[],
  context = "",
  opts: { lines?: "one" | "each-prefixed" } = {},
): void {
  const where = `${context}\nstdout: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr.slice(0, 600)}`;
  expect(codes, `exit ${r.code}${where}`).toContain(r.code);
  expect(hasStackTrace(r.stderr), `stack trace${where}`).toBe(false);
  expect(r.stderr, `unexpected error${where}`).not.toMatch(/unexpected error|internal error/);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  if (opts.lines !== "each-prefixed") expect(lines, `stderr lines${where}`).toHaveLength(1);
  expect(lines.length, `stderr lines${where}`).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line, where).toMatch(/^grc: \S/);
    // One line, not a dump: even a huge or hostile body yields a readable sentence.
    expect(line.length, `line length${where}`).toBeLessThan(1200);
  }
}
