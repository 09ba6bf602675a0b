import { beforeEach, describe, expect, it } from "vitest";
import type { GrcError } from "../../../../src/errors.js";
import { createApiClient } from "../../../../src/http/client.js";
import { StrataApi } from "../../../../src/platforms/strata/index.js";
import { useFakeServer } from "../../../helpers/fake-server.js";

// A StrataGRC that says success but sends `data` of the wrong shape: one line, exit 4.
let body = "";
const fake = useFakeServer();
beforeEach(() => {
  fake().any(() => ({ status: 200, headers: { "content-type": "application/json" }, body }));
});

function strata() {
  return new StrataApi(
    createApiClient({
      baseUrl: fake().url,
      credential: { kind: "session", cookie: "s" },
      retries: 1,
    }),
  );
}

describe("StrataGRC answers whose data has the wrong shape", () => {
  const cases: [string, (api: StrataApi) => Promise<unknown>, unknown][] = [
    ["status with null data", (a) => a.authStatus(), null],
    ["a list holding null", (a) => a.list("risks"), [null]],
    ["a list that is an object", (a) => a.list("risks"), { items: [] }],
    ["a dashboard that is a string", (a) => a.dashboard(), "no"],
    ["a chart without labels", (a) => a.chart("findings_by_risk"), { items: "no" }],
    ["a record that is a list", (a) => a.get("risks", 1), [1]],
  ];
  for (const [name, call, data] of cases) {
    it(name, async () => {
      body = JSON.stringify({ success: true, data });
      const err = await call(strata()).then(
        () => undefined,
        (e: unknown) => e as GrcError,
      );
      expect(err?.exitCode).toBe(4);
      expect(err?.line()).toMatch(
        /^unexpected StrataGRC response from GET \/strata\/api\/\S+: "data" is not /,
      );
    });
  }

  it("accepts the right shapes", async () => {
    body = JSON.stringify({ success: true, data: [{ id: 1 }] });
    expect((await strata().list("risks")).items).toEqual([{ id: 1 }]);
    body = JSON.stringify({ success: true, data: { chart_type: "x", labels: ["a"], values: [1] } });
    expect((await strata().chart("findings_by_risk")).labels).toEqual(["a"]);
  });
});
