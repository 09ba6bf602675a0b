import { describe, expect, it } from "vitest";
import { decodeHttpError } from "../../../src/http/error-decoder.js";

/** Issue 11: secrets are scrubbed before text is cut, so a cut cannot split a secret out of reach. */
describe("an error text that echoes a secret after long padding", () => {
  const cookie = "grc_session=s3ss10n-c00k13-0123456789abcdefghijklmnopqrstuvwxyz";
  const secret = cookie.slice("grc_session=".length);

  it.each([
    ["JSON detail", "application/json", (t: string) => JSON.stringify({ detail: t })],
    ["plain text", "text/plain", (t: string) => t],
    ["S3 XML", "application/xml", (t: string) => `<Error><Message>${t}</Message></Error>`],
  ])("%s: no piece of the secret survives", (_name, type, wrap) => {
    const text = `${"x".repeat(250)} you sent ${secret} which is not valid`;
    const err = decodeHttpError({
      status: 401,
      headers: { "content-type": type },
      body: Buffer.from(wrap(text)),
      method: "GET",
      url: "http://127.0.0.1/x",
      secrets: [cookie, secret],
    });
    const shown = [err.message, ...err.details, err.hint ?? ""].join("\n");
    // Any 8 characters of the secret in a row would be a leak.
    for (let i = 0; i + 8 <= secret.length; i++) {
      expect(shown).not.toContain(secret.slice(i, i + 8));
    }
    expect(err.message.length).toBeLessThan(600);
  });
});
