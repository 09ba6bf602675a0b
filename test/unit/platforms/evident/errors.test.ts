import { describe, expect, it } from "vitest";
import { ExitCode, HttpError, UsageError } from "../../../../src/errors.js";
import { decodeHttpError } from "../../../../src/http/error-decoder.js";
import {
  evidentErrors,
  explainQueryError,
  rejectionLines,
} from "../../../../src/platforms/evident/index.js";

function decode(status: number, body: object) {
  return decodeHttpError({
    status,
    headers: { "content-type": "application/vnd.api+json" },
    body: Buffer.from(JSON.stringify(body)),
    method: "GET",
    url: "https://api.evident.test/api/v2/suppressions.json",
  });
}

// Seed 004: "422 ... Look for an errors array ... Each object will have a title key";
// "406 Not Acceptable: the Accept/Content-Type headers were not set or have an unsupported value".
describe("Evident's error dialect", () => {
  it("a 422 prints every errors[].title, one per line, control characters removed", () => {
    const err = decode(422, {
      errors: [
        { status: "422", title: "Name can't be blank" },
        { status: "422", title: "Invalid search term \u001b[31mbad_attribute_eq" },
      ],
    });
    expect(rejectionLines(err)).toEqual([
      "Name can't be blank",
      "Invalid search term [31mbad_attribute_eq",
    ]);
  });

  it("406 explains the media type; 404 names the collection or the id (exit 2)", () => {
    const notAcceptable = explainQueryError(
      decode(406, { errors: [{ title: "Not Acceptable" }] }),
      {
        collection: "alerts",
      },
    ) as UsageError;
    expect(notAcceptable).toBeInstanceOf(UsageError);
    expect(notAcceptable.message).toBe(
      "the server refused the request's media type (406 Not Acceptable)",
    );
    const noCollection = evidentErrors.explain(decode(404, { errors: [{ title: "Not Found" }] }), {
      collection: "widgets",
    }) as UsageError;
    expect(noCollection.message).toBe('no collection "widgets" on this server (404)');
    expect(noCollection.exitCode).toBe(ExitCode.usage);
    const noId = evidentErrors.explain(decode(404, {}), { collection: "alerts", id: "9" });
    expect((noId as UsageError).line()).toBe(
      'no alerts with id "9" (404) — list them with `grc list alerts`',
    );
    const other = decode(500, {});
    expect(evidentErrors.explain(other, { collection: "alerts" })).toBe(other);
  });

  it("classifies: credentials fatal, outages retryable, a rejected query per item", () => {
    const status = (s: number) => new HttpError("x", { status: s });
    expect(evidentErrors.classify(status(401))).toBe("fatal");
    expect(evidentErrors.classify(status(403))).toBe("fatal");
    expect(evidentErrors.classify(status(503))).toBe("retryable");
    expect(evidentErrors.classify(status(429))).toBe("retryable");
    expect(evidentErrors.classify(status(422))).toBe("file");
    expect(evidentErrors.classify(new Error("x"))).toBe("file");
  });
});
