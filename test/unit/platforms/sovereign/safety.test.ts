import { describe, expect, it } from "vitest";
import {
  assertSafeObjectKey,
  assertSafeStorageUrl,
} from "../../../../src/platforms/sovereign/index.js";
import { BASE } from "./msw-sovereign.js";

describe("URL and key checks accept what real storage returns", () => {
  it.each([
    "https://acct.r2.cloudflarestorage.com/grc-evidence/orgs/o/evidence/u/..report.csv?X-Amz-Signature=a..b",
    "http://127.0.0.1:9000/grc-evidence/orgs/o/evidence/u/a..b.csv",
    `${BASE}/storage/grc-evidence/orgs/o/evidence/u/x.csv`,
  ])("accepts %s", (url) => {
    expect(() => assertSafeStorageUrl(url, BASE, "upload")).not.toThrow();
  });

  it.each(["orgs/o/evidence/u/..report.csv", "orgs/o/evidence/u/a b (1).csv"])(
    "accepts the key %j",
    (key) => {
      expect(() => assertSafeObjectKey(key)).not.toThrow();
    },
  );

  it("never echoes the URL or its signature", () => {
    const err = (() => {
      try {
        assertSafeStorageUrl(`${BASE}/x/../api?X-Amz-Signature=deadbeef`, BASE, "upload");
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toBe(
      "the server returned an unsafe upload URL (its path walks out of its folder on the API's own origin)",
    );
  });
});
