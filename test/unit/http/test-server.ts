import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/** One request as the server received it: the bytes that reached the wire. */
export interface Captured {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Handler = (
  req: Captured,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

export interface TestServer {
  url: string;
  origin: string;
  port: number;
  requests: Captured[];
  server: Server;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1 (port 0) that records every request it gets. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const captured: Captured = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(captured);
      Promise.resolve(handler(captured, res, req)).catch((err) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    port,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON body with a status and extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(text);
}

/** Records sleeps instead of waiting (the client's injectable sleep). */
export function fakeSleep(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
  };
}

/**
 * Cleanup for one test file (call at its top level): `defer` runs closes after each test,
 * newest first; `server` is a startServer that is closed the same way.
 */
export function closeAfterEach(): {
  defer: (...closes: (() => Promise<void> | void)[]) => void;
  server: (handler: Handler) => Promise<TestServer>;
} {
  const closes: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (closes.length) await closes.pop()!();
  });
  return {
    defer: (...more) => {
      closes.push(...more);
    },
    async server(handler) {
      const s = await startServer(handler);
      closes.push(() => s.close());
      return s;
    },
  };
}
