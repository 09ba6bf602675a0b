import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import { createApiClient } from "../../../../src/http/client.js";
import { createSovereignPlatform } from "../../../../src/platforms/sovereign/index.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";

const fake = useFakeServer();
const ORG = "00000000-0000-0000-0000-000000000001";

describe("createSovereignPlatform", () => {
  it("checks the organization before it opens a client", async () => {
    let connected = false;
    const err = await createSovereignPlatform({ name: "p" }, async () => {
      connected = true;
      throw new Error("must not connect");
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(connected).toBe(false);
  });

  it("binds upload and read to the profile's organization and speaks its dialect", async () => {
    fake().on(
      { method: "POST", path: `/api/v1/orgs/${ORG}/evidence/upload-url` },
      json(200, {
        upload_url: `${fake().url}/grc-evidence/orgs/${ORG}/evidence/u1/a.csv?X-Amz-Signature=x`,
        object_key: `orgs/${ORG}/evidence/u1/a.csv`,
        expires_in: 900,
        max_size: 104857600,
      }),
    );
    const client = createApiClient({
      baseUrl: fake().url,
      credential: { kind: "bearer", apiKey: "sk-test-0000" },
      retries: 1,
    });
    const sovereign = await createSovereignPlatform({ name: "p", orgId: ORG }, async () => client);
    expect(sovereign.name).toBe("sovereign");
    expect(sovereign.evidence.orgId).toBe(ORG);
    expect(sovereign.evidence.errors).toBe(sovereign.errors);
    const slot = await sovereign.evidence.requestUploadUrl({
      filename: "a.csv",
      content_type: "text/csv",
      control_id: "AC-2",
    });
    await client.close();
    expect(slot.object_key).toBe(`orgs/${ORG}/evidence/u1/a.csv`);
    const [req] = fake().requests;
    expect(req!.headers.authorization).toBe("Bearer sk-test-0000");
    expect(req!.json()).toEqual({
      filename: "a.csv",
      content_type: "text/csv",
      control_id: "AC-2",
    });
  });
});
