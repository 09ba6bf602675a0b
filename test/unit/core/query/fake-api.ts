import type { ApiClient, ApiRequest, ApiResponse } from "../../../../src/http/types.js";

/** A request the fake API saw, with the time it arrived and finished. */
export interface SeenRequest {
  method: string;
  path: string;
  body: string | undefined;
  headers: Record<string, string>;
}

/** What a route returns. */
export interface FakeReply {
  status?: number;
  body: unknown;
  /** Body text sent as is instead of JSON.stringify(body) (bytes a sloppy server might send). */
  rawBody?: string;
  /** Delay before answering, in ms (lets concurrent pages finish out of order). */
  delayMs?: number;
}

/**
 * An in-memory ApiClient: `route` answers each request like a server would. Tests assert
 * on `seen` (what went on the wire) and on what the walker or command printed.
 */
export function fakeApi(
  route: (req: ApiRequest) => FakeReply,
  baseUrl = "http://127.0.0.1:9",
): ApiClient & { seen: SeenRequest[]; maxInFlight: number } {
  let inFlight = 0;
  const client = {
    baseUrl,
    seen: [] as SeenRequest[],
    maxInFlight: 0,
    async request(req: ApiRequest): Promise<ApiResponse> {
      const res = await client.send(req);
      if (res.status >= 400) {
        const { HttpError } = await import("../../../../src/errors.js");
        const parsed = JSON.parse(res.text()) as { errors?: { title: string }[] };
        const details = parsed.errors?.map((e) => e.title) ?? [];
        throw new HttpError(details[0] ?? `HTTP ${res.status}`, { status: res.status, details });
      }
      return res;
    },
    async send(req: ApiRequest): Promise<ApiResponse> {
      client.seen.push({
        method: req.method,
        path: req.path,
        body: typeof req.body === "string" ? req.body : undefined,
        headers: req.headers ?? {},
      });
      inFlight += 1;
      client.maxInFlight = Math.max(client.maxInFlight, inFlight);
      try {
        const reply = route(req);
        if (reply.delayMs) {
          await new Promise<void>((resolve, reject) => {
            const onAbort = () => {
              clearTimeout(timer);
              reject(new Error("aborted"));
            };
            const timer = setTimeout(() => {
              req.signal?.removeEventListener("abort", onAbort);
              resolve();
            }, reply.delayMs);
            req.signal?.addEventListener("abort", onAbort, { once: true });
          });
        }
        const body = Buffer.from(reply.rawBody ?? JSON.stringify(reply.body));
        return {
          status: reply.status ?? 200,
          headers: {},
          url: `${baseUrl}${req.path}`,
          body,
          text: () => body.toString("utf8"),
          json: <T>() => JSON.parse(body.toString("utf8")) as T,
        };
      } finally {
        inFlight -= 1;
      }
    },
    async close() {},
  };
  return client;
}

/** A paged collection document like the seed's: `count` alerts, links with percent-encoded brackets. */
export function alertPage(
  baseUrl: string,
  count: number,
  number: number,
  size: number,
  withLast = true,
): unknown {
  const last = Math.max(1, Math.ceil(count / size));
  const link = (n: number) =>
    `${baseUrl}/api/v2/alerts.json?page%5Bnumber%5D=${n}&page%5Bsize%5D=${size}`;
  const data = [];
  for (let i = (number - 1) * size + 1; i <= Math.min(count, number * size); i++) {
    data.push({
      id: String(i),
      type: "alerts",
      attributes: { status: i % 2 ? "fail" : "pass", created_at: "2015-09-23T15:04:02.000Z" },
      relationships: { external_account: { data: { id: "1", type: "external_accounts" } } },
    });
  }
  const links: Record<string, string> = { self: link(number), first: link(1) };
  if (withLast) links.last = link(last);
  if (number > 1) links.prev = link(number - 1);
  if (number < last) links.next = link(number + 1);
  return { data, links };
}

/** page[number] and page[size] of a request's query or form body. */
export function pageOf(req: ApiRequest): { number: number; size: number } {
  const query =
    req.method === "PUT" ? String(req.body) : (req.path.split("?")[1] ?? "").replace(/\+/g, " ");
  const params = new URLSearchParams(query);
  return {
    number: Number(params.get("page[number]") ?? 1),
    size: Number(params.get("page[size]") ?? 20),
  };
}
