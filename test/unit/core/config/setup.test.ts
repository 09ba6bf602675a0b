import { describe, expect, it } from "vitest";
import { missingSetup, setupError } from "../../../../src/core/config/setup.js";
import { ExitCode } from "../../../../src/errors.js";

const none = { kind: "none" } as const;
const key = { kind: "apiKey", apiKey: "sk-test" } as never;

describe("missing setup, said once", () => {
  it("names every missing setting, in the order `grc auth login` asks for them", () => {
    const empty = { name: "default", baseUrl: undefined, orgId: undefined, credential: none };
    expect(missingSetup(empty, { org: true })).toEqual([
      "base URL",
      "organization ID",
      "credential",
    ]);
    expect(missingSetup(empty)).toEqual(["base URL", "credential"]);
    const err = setupError(empty, { org: true });
    expect(err?.exitCode).toBe(ExitCode.auth);
    expect(err?.line()).toBe(
      'profile "default" is not set up: no base URL, no organization ID and no credential — run `grc auth login` (it asks for each), or give --base-url URL (GRC_BASE_URL), --org ID (GRC_ORG_ID), GRC_API_KEY (or another credential variable)',
    );
  });

  it("leaves a single missing setting to its own error", () => {
    const onlyOrg = { name: "ci", baseUrl: "https://x.test", orgId: undefined, credential: key };
    expect(missingSetup(onlyOrg, { org: true })).toEqual(["organization ID"]);
    expect(setupError(onlyOrg, { org: true })).toBeUndefined();
    const complete = { ...onlyOrg, orgId: "org-1" };
    expect(missingSetup(complete, { org: true })).toEqual([]);
    expect(setupError(complete, { org: true })).toBeUndefined();
  });
});
