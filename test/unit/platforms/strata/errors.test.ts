import { describe, expect, it } from "vitest";
import { AuthError, ExitCode, HttpError } from "../../../../src/errors.js";
import { decodeHttpError } from "../../../../src/http/error-decoder.js";
import { strataError, strataErrors } from "../../../../src/platforms/strata/index.js";

describe("strataError", () => {
  it("maps the seed's codes to exit codes with the seed's Solution as the fix", () => {
    const cases: [string, number, number, string][] = [
      ["AUTH_REQUIRED", 401, 3, "Log in to the application"],
      ["PERMISSION_DENIED", 403, 3, "Request required permissions from admin"],
      ["NOT_FOUND", 404, 2, "Check the resource ID"],
      ["VALIDATION_ERROR", 400, 2, "Review request parameters"],
      ["SERVER_ERROR", 500, 4, "Contact support if persists"],
    ];
    for (const [code, status, exit, hint] of cases) {
      const mapped = strataError(new HttpError(`boom (${code})`, { status, code })) as HttpError;
      expect(mapped.exitCode, code).toBe(exit);
      expect(mapped.line()).toBe(`boom (${code}) — ${hint}`);
    }
  });

  it("turns an expired session into the login line", () => {
    const mapped = strataError(
      new HttpError("Session expired (AUTH_REQUIRED)", { status: 401, code: "AUTH_REQUIRED" }),
    );
    expect(mapped).toBeInstanceOf(AuthError);
    expect((mapped as AuthError).line()).toBe(
      "session expired: log in to the StrataGRC web app and run `grc auth login --platform strata --session-stdin` again",
    );
  });
});

/** An answer as the HTTP layer decodes it, then read in StrataGRC's dialect. */
function decode(
  status: number,
  body: object,
  url = "https://strata.test/strata/api/risks?action=list",
) {
  return strataErrors.explain(
    decodeHttpError({
      status,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(body)),
      method: "GET",
      url,
    }),
  ) as HttpError;
}

describe("strataErrors (seed 001 error codes over what the decoder read)", () => {
  it("keeps the code and adds the seed's Solution as hint", () => {
    const err = decode(403, {
      success: false,
      error: { code: "PERMISSION_DENIED", message: "Insufficient permissions" },
    });
    expect(err.code).toBe("PERMISSION_DENIED");
    expect(err.line()).toBe(
      "Insufficient permissions (PERMISSION_DENIED) (HTTP 403 from GET /strata/api/risks?action=list) — Request required permissions from admin",
    );
    expect(err.exitCode).toBe(ExitCode.auth);
    const validation = decode(422, {
      success: false,
      error: { code: "VALIDATION_ERROR", message: "title is required" },
    });
    expect(validation.hint).toBe("Review request parameters");
    expect(validation.exitCode).toBe(ExitCode.usage);
    // The flatter body some servers send.
    expect(decode(404, { error: "NOT_FOUND", message: "Risk 9 not found" }).hint).toBe(
      "Check the resource ID",
    );
  });

  it("classifies: the session is fatal for a run, SERVER_ERROR retryable, the rest per item", () => {
    const coded = (code: string, status: number) => new HttpError(`x (${code})`, { status, code });
    expect(strataErrors.classify(coded("AUTH_REQUIRED", 401))).toBe("fatal");
    expect(strataErrors.classify(coded("PERMISSION_DENIED", 403))).toBe("fatal");
    // The code decides, whatever status the server put on it.
    expect(strataErrors.classify(coded("PERMISSION_DENIED", 200))).toBe("fatal");
    expect(strataErrors.classify(coded("SERVER_ERROR", 500))).toBe("retryable");
    expect(strataErrors.classify(coded("NOT_FOUND", 404))).toBe("file");
    expect(strataErrors.classify(coded("VALIDATION_ERROR", 422))).toBe("file");
    expect(strataErrors.classify(new AuthError("session expired"))).toBe("fatal");
  });
});
