import { describe, expect, it } from "vitest";
import {
  ContradictingAnswerError,
  ExitCode,
  HttpError,
  UnavailableError,
} from "../../../../src/errors.js";
import { createApiClient } from "../../../../src/http/client.js";
import { decodeHttpError } from "../../../../src/http/error-decoder.js";
import {
  isStorageNotConfigured,
  sovereignErrors,
  sovereignEvidence,
  storageNotConfigured,
} from "../../../../src/platforms/sovereign/index.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";

const NOW = new Date("2026-11-23T10:00:00Z");

/** An answer as the HTTP layer decodes it, then read in Sovereign's dialect. */
function decode(status: number, body: object, headers: Record<string, string> = {}) {
  const err = decodeHttpError({
    status,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(JSON.stringify(body)),
    method: "POST",
    url: "https://grc.example.com/api/v1/orgs/o1/evidence/upload-url",
    now: NOW,
  });
  return sovereignErrors.explain(err) as HttpError;
}

// Seed 000, "Errors": 403 missing required scope, 401/403 not a member of this organization,
// 503 from upload-url/verify when object storage is not configured.
describe("sovereignErrors.explain (the document's error texts)", () => {
  it("403 missing scope names the scope and the fix (exit 3)", () => {
    const err = decode(403, {
      detail: "missing required scope: write:evidence",
      required_scope: "write:evidence",
    });
    expect(err.line()).toBe(
      "missing required scope: write:evidence (HTTP 403 from POST /api/v1/orgs/o1/evidence/upload-url) — the API key lacks write:evidence; widen its scopes on the API Keys page",
    );
    expect(err.exitCode).toBe(ExitCode.auth);
    // The document's bare text (no scope named) still gets the fix.
    expect(decode(403, { detail: "missing required scope" }).hint).toBe(
      "the API key lacks the required scope; widen its scopes on the API Keys page",
    );
  });

  it("401/403 not a member and 503 storage not configured", () => {
    expect(decode(403, { detail: "not a member of this organization" }).line()).toBe(
      "not a member of this organization (HTTP 403 from POST /api/v1/orgs/o1/evidence/upload-url) — check the org ID (--org, GRC_ORG_ID or the profile); the key's user has no membership in it",
    );
    const unavailable = decode(503, { detail: "object storage is not configured" });
    expect(unavailable.line()).toBe(
      "object storage is not configured (HTTP 503 from POST /api/v1/orgs/o1/evidence/upload-url) — the platform has no object storage configured; ask its administrator",
    );
    expect(unavailable.exitCode).toBe(ExitCode.unavailable);
    expect(decode(401, { detail: "invalid or missing API key" }).hint).toBe(
      "check the API key: run `grc auth login` or set GRC_API_KEY",
    );
  });

  it("keeps status, code and details, and a hint the decoder found more telling (a clock off)", () => {
    const err = decode(
      401,
      { detail: "invalid or missing API key" },
      { date: "Mon, 23 Nov 2026 09:00:00 GMT" },
    );
    expect(err.status).toBe(401);
    expect(err.details).toEqual(["invalid or missing API key"]);
    expect(err.hint).toBe("fix the system time (NTP) and retry");
  });

  it("leaves other errors as they are", () => {
    const other = decode(404, { detail: "evidence not found" });
    expect(other.hint).toBe("check the path or ID");
    const plain = new Error("x");
    expect(sovereignErrors.explain(plain)).toBe(plain);
  });
});

describe("sovereignErrors.classify", () => {
  const http = (status: number, detail: string) =>
    new HttpError(detail, { status, details: [detail] });
  it("the credential and storage settings are fatal for a run; outages retryable; the rest per file", () => {
    expect(sovereignErrors.classify(http(401, "invalid or missing API key"))).toBe("fatal");
    expect(sovereignErrors.classify(http(403, "not a member of this organization"))).toBe("fatal");
    expect(sovereignErrors.classify(http(503, "object storage is not configured"))).toBe("fatal");
    expect(sovereignErrors.classify(http(503, "Service Unavailable"))).toBe("retryable");
    expect(sovereignErrors.classify(http(429, "slow down"))).toBe("retryable");
    expect(sovereignErrors.classify(http(422, "field required"))).toBe("file");
    expect(sovereignErrors.classify(new ContradictingAnswerError("another control"))).toBe("file");
    expect(sovereignErrors.classify(new UnavailableError("cannot connect (ECONNREFUSED)"))).toBe(
      "fatal",
    );
    expect(sovereignErrors.classify(new UnavailableError("connection reset (ECONNRESET)"))).toBe(
      "retryable",
    );
  });

  it("recognises storage not configured from the status and the text alone", () => {
    expect(
      storageNotConfigured(503, Buffer.from('{"detail":"object storage is not configured"}')),
    ).toBe(true);
    expect(
      storageNotConfigured(500, Buffer.from('{"detail":"object storage is not configured"}')),
    ).toBe(false);
    expect(storageNotConfigured(503, Buffer.from("Service Unavailable"))).toBe(false);
    expect(isStorageNotConfigured(http(503, "object storage is not configured"))).toBe(true);
    expect(isStorageNotConfigured(http(503, "busy"))).toBe(false);
  });
});

describe("storage not configured over the wire", () => {
  const fake = useFakeServer();
  it("fails at once (no retry) with the fix, and is fatal for a run", async () => {
    fake().on(
      { method: "POST", path: "/api/v1/orgs/o1/evidence/upload-url" },
      json(503, { detail: "object storage is not configured" }),
    );
    const client = createApiClient({
      baseUrl: fake().url,
      credential: { kind: "bearer", apiKey: "sk-test-0000" },
      retries: 3,
    });
    const ev = sovereignEvidence(client, "o1");
    const err = await ev
      .requestUploadUrl({ filename: "a.csv", content_type: "text/csv", control_id: "AC-2" })
      .then(
        () => undefined,
        (e: unknown) => e as HttpError,
      );
    await client.close();
    expect(fake().requests).toHaveLength(1);
    expect(err).toBeInstanceOf(HttpError);
    expect(err?.status).toBe(503);
    expect(err?.hint).toBe("the platform has no object storage configured; ask its administrator");
    expect(ev.errors.classify(err)).toBe("fatal");
  });
});
