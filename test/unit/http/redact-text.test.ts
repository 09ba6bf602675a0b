import { describe, expect, it } from "vitest";
import { decodeHttpError } from "../../../src/http/error-decoder.js";
import { redactText } from "../../../src/http/redact.js";

describe("credentials a server echoes back in error text", () => {
  it("redacts Bearer keys, APIAuth signatures, sessions and presigned signatures by shape", () => {
    expect(redactText("bad key: Bearer sk-echoed-canary-0123456789abcdef")).toBe(
      "bad key: Bearer sk-...cdef",
    );
    expect(redactText("bad signature APIAuth abc:Alx83AENM5+Ma5wjZCQOIRU8/1g= here")).toBe(
      "bad signature APIAuth abc:[REDACTED] here",
    );
    expect(redactText("bad session=echoed-session-123; try again")).toBe(
      "bad session=[REDACTED]; try again",
    );
    expect(
      redactText("/b/k?X-Amz-Date=1&X-Amz-Signature=abab12&X-Amz-Expires=9 object_key=orgs/x"),
    ).toBe("/b/k?X-Amz-Date=1&X-Amz-Signature=[REDACTED]&X-Amz-Expires=9 object_key=orgs/x");
    expect(redactText("Session expired")).toBe("Session expired");
  });

  it("decodeHttpError scrubs the exact secrets the request carried from every part", () => {
    const err = decodeHttpError({
      status: 401,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ detail: "signature Zm9vYmFyYmF6cXV4MTIzNDU2 is wrong" })),
      method: "GET",
      url: "http://127.0.0.1/x",
      secrets: ["Zm9vYmFyYmF6cXV4MTIzNDU2"],
    });
    expect(err.line()).not.toContain("Zm9vYmFyYmF6cXV4MTIzNDU2");
    expect(err.line()).toContain("signature [REDACTED] is wrong");
    expect(err.details.join(" ")).not.toContain("Zm9vYmFyYmF6cXV4MTIzNDU2");
    expect(err.exitCode).toBe(3);
  });
});
