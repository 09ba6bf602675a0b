import { describe, expect, it } from "vitest";
import { UnavailableError, UsageError } from "../../../../src/errors.js";
import type { ApiClient, ApiRequest, ApiResponse } from "../../../../src/http/types.js";
import { STRATA_DEFAULT_PATHS, StrataApi } from "../../../../src/platforms/strata/index.js";

/** An ApiClient that records requests and answers from a queue. */
function fakeClient(answers: unknown[]): ApiClient & { sent: ApiRequest[] } {
  const sent: ApiRequest[] = [];
  return {
    baseUrl: "http://127.0.0.1:1",
    sent,
    async request(req) {
      sent.push(req);
      const body = Buffer.from(JSON.stringify(answers.shift()));
      const res: ApiResponse = {
        status: 200,
        headers: {},
        url: req.path,
        body,
        text: () => body.toString(),
        json: <T>() => JSON.parse(body.toString()) as T,
      };
      return res;
    },
    send() {
      throw new Error("not used");
    },
    async close() {},
  };
}

describe("StrataApi", () => {
  it("uses the default paths, the org header and the action=list query", async () => {
    const client = fakeClient([
      {
        success: true,
        data: [{ id: 1 }],
        pagination: { page: 1, per_page: 25, total: 1, total_pages: 1 },
      },
    ]);
    const strata = new StrataApi(client, { orgId: "org-1" });
    const page = await strata.list("findings", {
      engagement_id: "4",
      status: "Open",
      assigned_to: undefined,
    });
    expect(page).toEqual({ items: [{ id: 1 }], page: 1, perPage: 25, total: 1, totalPages: 1 });
    expect(client.sent[0]).toMatchObject({
      method: "GET",
      path: "/strata/api/findings?action=list&engagement_id=4&status=Open",
      headers: { accept: "application/json", "x-organization-id": "org-1" },
    });
  });

  it("lets a profile override each module's path", async () => {
    const client = fakeClient([
      { success: true, data: { id: 3 } },
      { success: true, data: { id: 7, created: true, sha256: "a".repeat(64) } },
      { success: true, data: [] },
    ]);
    const strata = new StrataApi(client, {
      paths: { risks: "/grc/v1/risk", cases: "/ims/cases", kpis: "/strategy/kpi" },
    });
    await strata.update("risks", 3, { status: "Closed" });
    await strata.uploadCaseEvidence(2, "x", "multipart/form-data; boundary=b", 1);
    await strata.kpiHistory(4);
    expect(client.sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /grc/v1/risk?id=3",
      "POST /ims/cases/evidence?case_id=2",
      "GET /strategy/kpi?action=history&id=4",
    ]);
    expect(client.sent[0]!.body).toBe('{"status":"Closed"}');
    expect(client.sent[0]!.headers).toMatchObject({ "content-type": "application/json" });
    expect(client.sent[1]).toMatchObject({ idempotent: true, contentLength: 1 });
    expect(client.sent[0]!.headers?.["x-organization-id"]).toBeUndefined();
    expect(STRATA_DEFAULT_PATHS.authStatus).toBe("/strata/api/auth/status");
  });

  it("refuses a {data} reply whose data is not what the call returns (issue 10: {data} is an accepted envelope)", async () => {
    const strata = new StrataApi(fakeClient([{ data: [] }]));
    const err = await strata.dashboard().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).line()).toBe(
      'unexpected StrataGRC response from GET /strata/api/dashboard: "data" is not an object — check the base URL and the profile\'s StrataGRC paths (`grc config list`)',
    );
  });

  it("checks enums before sending", async () => {
    const client = fakeClient([]);
    const strata = new StrataApi(client);
    await expect(strata.list("cases", { priority: "critical" })).rejects.toBeInstanceOf(UsageError);
    await expect(strata.setEngagementPhase(1, "Done")).rejects.toThrow('invalid phase "Done"');
    expect(client.sent).toEqual([]);
  });
});
