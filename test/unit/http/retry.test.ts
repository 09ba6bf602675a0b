import { describe, expect, it } from "vitest";
import { InterruptedError, UnavailableError } from "../../../src/errors.js";
import { type AttemptResult, RetryLoop } from "../../../src/http/retry.js";
import { RetryBudget } from "../../../src/http/retry-budget.js";

/**
 * The retry loop's policy as a table: what each attempt meets (a status with its headers, or
 * a network error code), and what the loop does (attempts made, waits, the outcome). The
 * clients' own tests (client.test.ts, storage-client.test.ts) check the same loop on the wire.
 */

const NOW = new Date("2026-11-23T10:00:00Z");
const NOW_HTTP = "Mon, 23 Nov 2026 10:00:00 GMT";

type Step = number | { status: number; headers: Record<string, string> } | { error: string };

interface Row {
  name: string;
  method?: string;
  host?: string;
  idempotent?: boolean;
  retries?: number;
  budget?: number;
  unrepeatable?: string[];
  steps: Step[];
  attempts: number;
  waits: number[];
  /** The final status, or "network <code>" when the loop gave up on a network error. */
  outcome: number | string;
  notices?: string[];
  tooLongWait?: boolean;
}

const retryAfter = (status: number, seconds: string) => ({
  status,
  headers: { "retry-after": seconds, date: NOW_HTTP },
});

const ROWS: Row[] = [
  { name: "a 200 is final", steps: [200], attempts: 1, waits: [], outcome: 200 },
  {
    name: "GET: 503 then 200, full-jitter backoff",
    steps: [503, 200],
    attempts: 2,
    waits: [500],
    outcome: 200,
  },
  {
    name: "GET: 5xx until the attempts run out (--retries 5)",
    steps: [408, 500, 502, 504, 503],
    attempts: 5,
    waits: [500, 1000, 2000, 4000],
    outcome: 503,
  },
  {
    name: "--retries 2 stops after two attempts",
    retries: 2,
    steps: [500, 500],
    attempts: 2,
    waits: [500],
    outcome: 500,
  },
  {
    name: "POST: a 503 is not repeated",
    method: "POST",
    steps: [503],
    attempts: 1,
    waits: [],
    outcome: 503,
  },
  {
    name: "POST marked idempotent: repeated",
    method: "POST",
    idempotent: true,
    steps: [503, 201],
    attempts: 2,
    waits: [500],
    outcome: 201,
  },
  ...[400, 401, 403, 404, 409, 422].map(
    (status): Row => ({
      name: `${status} is never repeated`,
      method: "PUT",
      steps: [status],
      attempts: 1,
      waits: [],
      outcome: status,
    }),
  ),
  {
    name: "503 with Retry-After: waits what the server asked, with a notice",
    steps: [retryAfter(503, "7"), 200],
    attempts: 2,
    waits: [7000],
    outcome: 200,
    notices: ["api.example.com answered 503; waiting 7s until 2026-11-23T10:00:07Z (Retry-After)"],
  },
  {
    name: "POST: a 429 with Retry-After costs no attempt and says 'rate limited'",
    method: "POST",
    retries: 1,
    steps: [retryAfter(429, "2"), retryAfter(429, "2"), 200],
    attempts: 3,
    waits: [2000, 2000],
    outcome: 200,
    notices: [
      "rate limited by api.example.com; waiting 2s until 2026-11-23T10:00:02Z (Retry-After)",
      "rate limited by api.example.com; waiting 2s until 2026-11-23T10:00:02Z (Retry-After)",
    ],
  },
  {
    name: "a wait beyond 5 minutes is not taken: the response is final",
    steps: [retryAfter(503, "3600")],
    attempts: 1,
    waits: [],
    outcome: 503,
    tooLongWait: true,
  },
  {
    name: "an empty retry budget stops repeats",
    budget: 0,
    steps: [503],
    attempts: 1,
    waits: [],
    outcome: 503,
  },
  {
    name: "ECONNREFUSED on loopback: no retry at all",
    host: "127.0.0.1:4010",
    steps: [{ error: "ECONNREFUSED" }],
    attempts: 1,
    waits: [],
    outcome: "network ECONNREFUSED",
  },
  {
    name: "ECONNREFUSED on localhost: no retry at all",
    host: "localhost:4010",
    method: "PUT",
    steps: [{ error: "ECONNREFUSED" }],
    attempts: 1,
    waits: [],
    outcome: "network ECONNREFUSED",
  },
  {
    name: "ECONNREFUSED elsewhere: 3 attempts at most, even a POST (nothing was sent)",
    method: "POST",
    steps: [{ error: "ECONNREFUSED" }, { error: "ECONNREFUSED" }, { error: "ECONNREFUSED" }],
    attempts: 3,
    waits: [500, 1000],
    outcome: "network ECONNREFUSED",
  },
  {
    name: "ECONNREFUSED elsewhere, then the server is back",
    steps: [{ error: "ECONNREFUSED" }, 200],
    attempts: 2,
    waits: [500],
    outcome: 200,
  },
  {
    name: "GET: a reset is repeated",
    steps: [{ error: "ECONNRESET" }, 200],
    attempts: 2,
    waits: [500],
    outcome: 200,
  },
  {
    name: "POST: a reset is not (the server may have acted)",
    method: "POST",
    steps: [{ error: "ECONNRESET" }],
    attempts: 1,
    waits: [],
    outcome: "network ECONNRESET",
  },
  {
    name: "ENOTFOUND is permanent",
    steps: [{ error: "ENOTFOUND" }],
    attempts: 1,
    waits: [],
    outcome: "network ENOTFOUND",
  },
  {
    name: "an untrusted certificate is permanent",
    steps: [{ error: "SELF_SIGNED_CERT_IN_CHAIN" }],
    attempts: 1,
    waits: [],
    outcome: "network SELF_SIGNED_CERT_IN_CHAIN",
  },
  {
    name: "storage: a PUT that timed out after its body is not sent again at once",
    method: "PUT",
    unrepeatable: ["UND_ERR_HEADERS_TIMEOUT"],
    steps: [{ error: "UND_ERR_HEADERS_TIMEOUT" }],
    attempts: 1,
    waits: [],
    outcome: "network UND_ERR_HEADERS_TIMEOUT",
  },
];

function networkFailure(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe("the retry loop", () => {
  it.each(ROWS)("$name", async (row) => {
    const waits: number[] = [];
    const notices: string[] = [];
    const loop = new RetryLoop({
      retries: row.retries,
      retryBudget: row.budget,
      now: () => NOW,
      random: () => 1,
      sleep: async (ms) => {
        waits.push(ms);
      },
      notice: (l) => notices.push(l),
    });
    let made = 0;
    const run = loop.run<string>(
      {
        method: row.method ?? "GET",
        host: () => row.host ?? "api.example.com",
        idempotent: row.idempotent,
        unrepeatable: row.unrepeatable ? new Set(row.unrepeatable) : undefined,
        networkFailure: (_err, code, attempts) =>
          new UnavailableError(`network ${code}`, `after ${attempts}`),
      },
      async (): Promise<AttemptResult<string>> => {
        const step = row.steps[made];
        made += 1;
        if (step === undefined) throw new Error("more attempts than the table allows");
        if (typeof step === "object" && "error" in step) throw networkFailure(step.error);
        const { status, headers } = typeof step === "number" ? { status: step, headers: {} } : step;
        return { kind: "response", status, headers, value: `body ${made}` };
      },
    );
    const outcome = await run.then(
      (o) => o,
      (e: Error) => e,
    );
    expect(made).toBe(row.attempts);
    expect(waits).toEqual(row.waits);
    if (typeof row.outcome === "string") {
      expect(outcome).toBeInstanceOf(UnavailableError);
      expect((outcome as UnavailableError).line()).toBe(`${row.outcome} — after ${row.attempts}`);
    } else {
      expect(outcome).toMatchObject({ status: row.outcome, value: `body ${row.attempts}` });
      expect("tooLongWait" in outcome && outcome.tooLongWait !== undefined).toBe(
        row.tooLongWait ?? false,
      );
    }
    expect(notices).toEqual(row.notices ?? []);
    expect(loop.budget.stats.attempts).toBe(row.attempts);
  });

  it("counts a redirect's attempt but restarts the count for the new target", async () => {
    const loop = new RetryLoop({ retries: 2, sleep: async () => {}, random: () => 0 });
    const seen: string[] = [];
    const steps = ["redirect", 500, "redirect", 500, 200];
    await loop.run<null>(
      { method: "GET", host: () => "h", networkFailure: (e) => e as Error },
      async (n, of) => {
        const step = steps.shift();
        seen.push(`${n}/${of}`);
        if (step === "redirect") return { kind: "redirected" };
        return { kind: "response", status: step as number, headers: {}, value: null };
      },
    );
    expect(seen).toEqual(["1/2", "1/2", "2/2", "1/2", "2/2"]);
  });

  it("two clients sharing one budget stop together", async () => {
    const budget = new RetryBudget(2);
    const api = new RetryLoop({ retryBudget: budget, sleep: async () => {}, random: () => 0 });
    const storage = new RetryLoop({ retryBudget: budget, sleep: async () => {}, random: () => 0 });
    const failing = async (): Promise<AttemptResult<null>> => ({
      kind: "response",
      status: 503,
      headers: {},
      value: null,
    });
    const req = { method: "GET", host: () => "h", networkFailure: (e: unknown) => e as Error };
    await api.run(req, failing);
    await storage.run(req, failing);
    expect(budget.stats).toMatchObject({
      requests: 2,
      attempts: 4,
      retries: 2,
      retryBudgetLeft: 0,
    });
  });

  it("an aborted signal ends a wait with InterruptedError", async () => {
    const controller = new AbortController();
    const loop = new RetryLoop({
      sleep: async () => controller.abort(),
      random: () => 1,
    });
    const err = await loop
      .run<null>(
        {
          method: "GET",
          host: () => "h",
          signal: controller.signal,
          networkFailure: (e) => e as Error,
        },
        async () => ({ kind: "response", status: 503, headers: {}, value: null }),
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(InterruptedError);
  });

  it("releases a response it repeats, never the final one", async () => {
    const released: number[] = [];
    const loop = new RetryLoop({ retries: 3, sleep: async () => {}, random: () => 0 });
    let n = 0;
    const out = await loop.run<number>(
      { method: "PUT", host: () => "h", networkFailure: (e) => e as Error },
      async () => {
        n += 1;
        const me = n;
        return {
          kind: "response",
          status: 503,
          headers: {},
          value: me,
          release: () => released.push(me),
        };
      },
    );
    expect(out.value).toBe(3);
    expect(released).toEqual([1, 2]);
  });
});
