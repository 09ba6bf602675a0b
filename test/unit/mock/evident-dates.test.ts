import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startMockServer } from "../../../src/mock/server.js";

/**
 * `relativeDates` (on in `grc mock serve`): the Evident fixtures are dated relative to the
 * server's start day, so "the last 7 days" finds alerts whatever day the mock runs.
 */

const DAY = 86_400_000;
const fixtureAlerts = JSON.parse(
  readFileSync(new URL("../../../fixtures/evident/alerts.json", import.meta.url), "utf8"),
) as { id: string; attributes: { created_at: string } }[];

async function alerts(baseUrl: string, apiKey: string, query: string) {
  const res = await fetch(`${baseUrl}/api/v2/alerts.json?page[size]=100&${query}`, {
    headers: { Accept: "application/vnd.api+json", Authorization: `Bearer ${apiKey}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    data: { id: string; attributes: { created_at: string; updated_at: string } }[];
  };
}

describe("Evident fixture dates relative to the start day", () => {
  it("moves every date by whole days so the last week holds the fixtures' last week", async () => {
    const mock = await startMockServer({ platforms: ["evident"], relativeDates: true });
    const again = await startMockServer({ platforms: ["evident"], relativeDates: true });
    try {
      const todayStart = Math.floor(Date.now() / DAY) * DAY;
      // The fixtures' newest alert is from 2026-10-27: it becomes yesterday.
      const newestFixture = fixtureAlerts
        .map((a) => a.attributes.created_at)
        .sort()
        .at(-1)!;
      expect(newestFixture.slice(0, 10)).toBe("2026-10-27");
      const shift = todayStart - Date.UTC(2026, 9, 28);

      const one = await alerts(mock.baseUrl, mock.identity.apiKey, "filter[id_eq]=1");
      expect(one.data[0]!.attributes.created_at).toBe(
        new Date(Date.parse(fixtureAlerts[0]!.attributes.created_at) + shift).toISOString(),
      );

      const weekAgo = new Date(todayStart - 7 * DAY).toISOString();
      const recent = await alerts(
        mock.baseUrl,
        mock.identity.apiKey,
        `filter[created_at_gteq]=${weekAgo}`,
      );
      const expected = fixtureAlerts.filter(
        (a) => a.attributes.created_at >= "2026-10-21T00:00:00.000Z",
      ).length;
      expect(expected).toBeGreaterThan(0);
      expect(recent.data).toHaveLength(expected);
      for (const a of recent.data)
        expect(Date.parse(a.attributes.created_at)).toBeLessThan(todayStart);

      // Deterministic: a second server started the same day serves the same data.
      const twin = await alerts(
        again.baseUrl,
        again.identity.apiKey,
        `filter[created_at_gteq]=${weekAgo}`,
      );
      const plain = (d: typeof recent.data) => d.map((a) => [a.id, a.attributes]);
      expect(plain(twin.data)).toEqual(plain(recent.data));
      const state = (await (await fetch(`${mock.baseUrl}/__mock/state`)).json()) as {
        evident: { date_shift_days: number };
      };
      expect(state.evident.date_shift_days).toBe(shift / DAY);
    } finally {
      await mock.close();
      await again.close();
    }
  });

  it("serves the fixture dates verbatim without the option", async () => {
    const mock = await startMockServer({ platforms: ["evident"] });
    try {
      const one = await alerts(mock.baseUrl, mock.identity.apiKey, "filter[id_eq]=1");
      expect(one.data[0]!.attributes.created_at).toBe(fixtureAlerts[0]!.attributes.created_at);
    } finally {
      await mock.close();
    }
  });
});
