import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { HttpError } from "../../../../src/errors.js";
import type { ApiClient, ApiRequest, ApiResponse } from "../../../../src/http/types.js";
import { sovereignEvidence } from "../../../../src/platforms/sovereign/index.js";

/** What the upload, read and safety tests share: a Sovereign server intercepted by msw. */
export { HttpResponse, http };

export const BASE = "https://grc.test";
export const ORG = "00000000-0000-0000-0000-000000000001";
export const EV = `${BASE}/api/v1/orgs/${ORG}/evidence`;
export const SHA = "a".repeat(64);
export const KEY = `orgs/${ORG}/evidence/11111111-2222-3333-4444-555555555555/access_logs_2024.csv`;

/**
 * A minimal ApiClient over fetch (which msw intercepts): Bearer auth, throws HttpError with
 * the `detail` text on non-2xx like the real client does. It records what was sent.
 */
export function fetchClient(sent: ApiRequest[]): ApiClient {
  const send = async (req: ApiRequest): Promise<ApiResponse> => {
    sent.push(req);
    const url = new URL(req.path, BASE);
    const res = await fetch(url, {
      method: req.method,
      headers: { authorization: "Bearer sk-test", ...req.headers },
      body: typeof req.body === "function" ? undefined : req.body,
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      url: res.url,
      body,
      text: () => body.toString("utf8"),
      json: <T>() => JSON.parse(body.toString("utf8")) as T,
    };
  };
  return {
    baseUrl: BASE,
    send,
    async request(req) {
      const res = await send(req);
      if (res.status >= 300) {
        const detail = (res.json() as { detail?: string }).detail ?? `HTTP ${res.status}`;
        throw new HttpError(detail, { status: res.status, details: [detail] });
      }
      return res;
    },
    async close() {},
  };
}

/** An msw server for this test file (listening between its first and last test). */
export function useMsw() {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

export function setup() {
  const sent: ApiRequest[] = [];
  const client = fetchClient(sent);
  return { sent, client, ev: sovereignEvidence(client, ORG) };
}

export const uploadReply = {
  upload_url: `http://127.0.0.1:9/grc-evidence/${KEY}?X-Amz-Signature=abc`,
  object_key: KEY,
  expires_in: 900,
  max_size: 104857600,
};
