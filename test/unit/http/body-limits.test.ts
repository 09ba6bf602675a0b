import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { InterruptedError } from "../../../src/errors.js";
import {
  BodyTimeoutError,
  BodyTooLargeError,
  discardBody,
  readBody,
} from "../../../src/http/body-limits.js";

/** A body that sends `pieces` and then stays open (a trickling or stalled server). */
function openBody(...pieces: string[]): PassThrough {
  const body = new PassThrough();
  for (const p of pieces) body.write(p);
  return body;
}

const limit = (over: "fail" | "cut", extra: Partial<Parameters<typeof readBody>[1]> = {}) => ({
  maxBytes: 8,
  over,
  timeMs: 5_000,
  what: "the answer to GET /x",
  ...extra,
});

describe("readBody", () => {
  it("returns a body that arrives whole, in pieces", async () => {
    const body = Readable.from([Buffer.from('{"a"'), Buffer.from(":1}")]);
    expect((await readBody(body, limit("fail"))).toString()).toBe('{"a":1}');
  });

  it("fails a body larger than the cap, declared or not, and drops the rest", async () => {
    const declared = openBody();
    await expect(readBody(declared, limit("fail"), "9")).rejects.toThrow(
      "the answer to GET /x is larger than grc accepts (8 bytes) (9 bytes declared); nothing of it was used",
    );
    expect(declared.destroyed).toBe(true);
    const endless = openBody("0123", "4567", "89");
    await expect(readBody(endless, limit("fail"))).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(endless.destroyed).toBe(true);
  });

  it("cuts a body at the cap when asked to, keeping its first bytes", async () => {
    const endless = openBody("0123", "4567", "89");
    expect((await readBody(endless, limit("cut"))).toString()).toBe("01234567");
    expect(endless.destroyed).toBe(true);
  });

  it("keeps what a trickled error body sent in its time, and fails a trickled answer", async () => {
    const cut = openBody("<Err");
    expect((await readBody(cut, limit("cut", { timeMs: 50 }))).toString()).toBe("<Err");
    expect(cut.destroyed).toBe(true);
    const whole = openBody('{"a"');
    const slow = await readBody(whole, limit("fail", { timeMs: 50 })).catch((e) => e);
    expect(slow).toBeInstanceOf(BodyTimeoutError);
    expect(slow.message).toBe("the answer to GET /x did not arrive whole within 0s");
    expect(whole.destroyed).toBe(true);
  });

  it("ends with an interruption when the signal aborts, mid-body or before", async () => {
    const stop = new AbortController();
    const body = openBody('{"a"');
    const reading = readBody(body, limit("fail", { signal: stop.signal }));
    setTimeout(() => stop.abort(), 20);
    await expect(reading).rejects.toBeInstanceOf(InterruptedError);
    expect(body.destroyed).toBe(true);
    await expect(
      readBody(openBody("{}"), limit("fail", { signal: AbortSignal.abort() })),
    ).rejects.toBeInstanceOf(InterruptedError);
  });

  it("hands on the stream's own error, and reports a body closed before its end", async () => {
    const broken = openBody('{"a"');
    const reading = readBody(broken, limit("fail"));
    broken.destroy(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    await expect(reading).rejects.toMatchObject({ code: "ECONNRESET" });
    const closed = openBody('{"a"');
    const early = readBody(closed, limit("fail"));
    closed.destroy();
    await expect(early).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
  });
});

describe("discardBody", () => {
  it("drains an answer that declares no body, and cuts off any other at once", async () => {
    const empty = new PassThrough();
    empty.end();
    discardBody(empty, "0");
    // Read to its end (a destroyed stream never ends): the connection is not aborted.
    await new Promise((r) => empty.once("end", r));
    expect(empty.readableEnded).toBe(true);
    const trickle = openBody("x");
    discardBody(trickle, "1000");
    expect(trickle.destroyed).toBe(true);
    expect(trickle.readableEnded).toBe(false);
    const unknown = openBody("x");
    discardBody(unknown);
    expect(unknown.destroyed).toBe(true);
  });
});
