import { describe, expect, it } from "vitest";
import {
  checkBody,
  checkValue,
  cookieValue,
  fail,
  ok,
  parseId,
  parseJsonBody,
  STRATA_SERVER_ERROR_ID,
  StrataFailure,
} from "../../../src/mock/strata-requests.js";
import type { MockRequest } from "../../../src/mock/types.js";

const failure = (fn: () => unknown): [string, string] | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StrataFailure) return [err.code, err.message];
    throw err;
  }
  return undefined;
};

describe("StrataGRC replies", () => {
  it("wraps data in the success envelope and errors with the seed's codes and statuses", () => {
    const good = ok([1], { total: 1 });
    expect(good.status).toBe(200);
    expect(JSON.parse(String(good.body))).toEqual({ success: true, data: [1], total: 1 });
    const statuses = (
      [
        "AUTH_REQUIRED",
        "PERMISSION_DENIED",
        "NOT_FOUND",
        "VALIDATION_ERROR",
        "SERVER_ERROR",
      ] as const
    ).map((code) => fail(code, "m").status);
    expect(statuses).toEqual([401, 403, 404, 422, 500]);
    expect(JSON.parse(String(fail("NOT_FOUND", "Risk 9 not found").body))).toEqual({
      success: false,
      error: { code: "NOT_FOUND", message: "Risk 9 not found" },
    });
  });
});

describe("StrataGRC requests", () => {
  it("finds a cookie among several", () => {
    expect(cookieValue("a=1; strata_session=s-1 ; b=2", "strata_session")).toBe("s-1");
    expect(cookieValue("xstrata_session=no", "strata_session")).toBeUndefined();
    expect(cookieValue(undefined, "strata_session")).toBeUndefined();
  });

  it("reads ids, with the reserved id answering a server error", () => {
    expect(parseId("7")).toBe(7);
    expect(failure(() => parseId(null, "case_id"))).toEqual([
      "VALIDATION_ERROR",
      "Missing required parameter: case_id",
    ]);
    expect(failure(() => parseId("0"))).toEqual([
      "VALIDATION_ERROR",
      "id must be a positive integer",
    ]);
    expect(failure(() => parseId("1.5"))).toEqual([
      "VALIDATION_ERROR",
      "id must be a positive integer",
    ]);
    expect(failure(() => parseId(String(STRATA_SERVER_ERROR_ID)))).toEqual([
      "SERVER_ERROR",
      "Internal server error",
    ]);
  });

  it("checks values against the field's type and enum", () => {
    expect(checkValue({ type: "int" }, "4", "likelihood")).toBe(4);
    expect(checkValue({ type: "number" }, 2.5, "score")).toBe(2.5);
    expect(checkValue({ type: "string" }, null, "x")).toBeNull();
    expect(failure(() => checkValue({ type: "int" }, 2.5, "likelihood"))).toEqual([
      "VALIDATION_ERROR",
      "likelihood must be an integer",
    ]);
    expect(failure(() => checkValue({ type: "number" }, " ", "score"))).toEqual([
      "VALIDATION_ERROR",
      "score must be a number",
    ]);
    expect(failure(() => checkValue({ type: "string" }, 3, "title"))).toEqual([
      "VALIDATION_ERROR",
      "title must be a string",
    ]);
    expect(
      failure(() => checkValue({ type: "string", enum: ["Open", "Closed"] }, "open", "status")),
    ).toEqual(["VALIDATION_ERROR", "Invalid status 'open': must be one of Open, Closed"]);
  });

  it("checks a body: unknown fields, required fields on create, something to change", () => {
    const fields = { title: { type: "string", required: true }, score: { type: "int" } } as const;
    expect(checkBody(fields, { title: "t", score: "3" }, false)).toEqual({ title: "t", score: 3 });
    expect(checkBody(fields, { score: 1 }, true)).toEqual({ score: 1 });
    expect(failure(() => checkBody(fields, { colour: 1 }, true))).toEqual([
      "VALIDATION_ERROR",
      "Unknown field: colour",
    ]);
    expect(failure(() => checkBody(fields, { title: "", score: 1 }, false))).toEqual([
      "VALIDATION_ERROR",
      "Missing required field: title",
    ]);
    expect(failure(() => checkBody(fields, {}, true))).toEqual([
      "VALIDATION_ERROR",
      "No fields to update",
    ]);
  });

  it("takes only a JSON object body sent as application/json", () => {
    const req = (type: string | undefined, body: string) =>
      ({
        headers: type ? { "content-type": type } : {},
        body: Buffer.from(body),
      }) as unknown as MockRequest;
    expect(parseJsonBody(req("application/json; charset=utf-8", '{"a":1}'))).toEqual({ a: 1 });
    expect(failure(() => parseJsonBody(req("text/plain", '{"a":1}')))?.[1]).toBe(
      "Request body must be JSON (Content-Type: application/json)",
    );
    expect(failure(() => parseJsonBody(req("application/json", "{")))?.[1]).toBe(
      "Request body is not valid JSON",
    );
    expect(failure(() => parseJsonBody(req("application/json", "[1]")))?.[1]).toBe(
      "Request body must be a JSON object",
    );
  });
});
