import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  recordsSha256,
  snapshotDocument,
  snapshotName,
  snapshotText,
  writeSnapshot,
} from "../../../../src/core/evidence/snapshot.js";

const root = mkdtempSync(join(tmpdir(), "grc-snapshot-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const source = {
  platform: "jsonapi",
  base_url: "https://esp.example.com",
  org_id: "org-1",
  query: { collection: "alerts", status: "fail" },
};
const requests = [
  { method: "GET", url: "https://esp.example.com/api/v2/alerts?filter%5Bstatus_eq%5D=fail" },
];
const records = [
  { id: "10", type: "alerts", status: "fail", tags: ["b", "a"], risk_level: "high" },
  { type: "alerts", id: "9", risk_level: "low", status: "fail", tags: [] },
  { type: "alerts", id: "100", status: "fail", risk_level: "medium", tags: [] },
];
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

describe("query snapshots", () => {
  it("are the same bytes for the same data in any order, key order or fetch time", () => {
    const a = snapshotDocument({ source, requests, records, fetchedAt: new Date(0) });
    const shuffled = [...records]
      .reverse()
      .map((r) => Object.fromEntries(Object.entries(r).reverse()));
    const b = snapshotDocument({ source, requests, records: shuffled, fetchedAt: new Date(0) });
    expect(snapshotText(b)).toBe(snapshotText(a));
    expect(a.records.map((r) => (r as { id: string }).id)).toEqual(["9", "10", "100"]);
    expect(a.count).toBe(3);
    // Array order inside a record is data, not formatting: kept.
    expect((a.records[1] as { tags: string[] }).tags).toEqual(["b", "a"]);
  });

  it("records_sha256 is what an auditor gets from `jq -cS .records FILE | sha256sum`", () => {
    const text = snapshotText(
      snapshotDocument({ source, requests, records, fetchedAt: new Date(0) }),
    );
    const doc = JSON.parse(text);
    expect(doc.records_sha256).toBe(recordsSha256(doc.records));
    if (spawnSync("jq", ["--version"]).status !== 0) {
      console.warn("jq not installed: skipping the check against jq");
      return;
    }
    const compact = execFileSync("jq", ["-cS", ".records"], { input: text });
    expect(sha(compact)).toBe(doc.records_sha256);
  });

  it("a fetch with the same result leaves the file untouched (bytes and mtime); a new result replaces it", async () => {
    const dir = join(root, "write");
    const first = await writeSnapshot(
      dir,
      "alerts",
      snapshotDocument({ source, requests, records, fetchedAt: new Date("2026-11-01T00:00:00Z") }),
    );
    expect(first.written).toBe(true);
    const bytes = readFileSync(first.path);
    expect(sha(bytes)).toBe(first.sha256);
    const mtime = statSync(first.path).mtimeMs;

    const again = await writeSnapshot(
      dir,
      "alerts",
      snapshotDocument({
        source,
        requests,
        records: [...records].reverse(),
        fetchedAt: new Date("2026-11-02T00:00:00Z"),
      }),
    );
    expect(again.written).toBe(false);
    expect(again.sha256).toBe(first.sha256);
    expect(readFileSync(first.path)).toEqual(bytes);
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    expect(JSON.parse(bytes.toString()).fetched_at).toBe("2026-11-01T00:00:00.000Z");

    const changed = await writeSnapshot(
      dir,
      "alerts",
      snapshotDocument({
        source,
        requests,
        records: records.slice(1),
        fetchedAt: new Date("2026-11-03T00:00:00Z"),
      }),
    );
    expect(changed.written).toBe(true);
    expect(changed.sha256).not.toBe(first.sha256);
    expect(JSON.parse(readFileSync(first.path, "utf8"))).toMatchObject({
      count: 2,
      fetched_at: "2026-11-03T00:00:00.000Z",
    });

    // Every fetch is in the log beside the snapshot, changed or not.
    const log = readFileSync(join(dir, "alerts.fetches.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.map((l) => [l.fetched_at, l.changed])).toEqual([
      ["2026-11-01T00:00:00.000Z", true],
      ["2026-11-02T00:00:00.000Z", false],
      ["2026-11-03T00:00:00.000Z", true],
    ]);
  });

  it("names an ad-hoc query's file by where and what it asked", () => {
    const where = { base_url: source.base_url, org_id: "org-1" };
    const a = snapshotName("alerts", where, requests[0]);
    expect(a).toMatch(/^alerts-[0-9a-f]{12}$/);
    expect(snapshotName("alerts", where, requests[0])).toBe(a);
    expect(snapshotName("alerts", { ...where, org_id: "org-2" }, requests[0])).not.toBe(a);
    expect(
      snapshotName("alerts", where, {
        method: "GET",
        url: `${requests[0]!.url}&page%5Bnumber%5D=2`,
      }),
    ).not.toBe(a);
    expect(snapshotName("reports/12/alerts", where, requests[0])).toMatch(/^reports-12-alerts-/);
  });
});
