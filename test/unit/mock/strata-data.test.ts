import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadData } from "../../../src/mock/strata-data.js";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/strata/", import.meta.url));
const count = (name: string) =>
  (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as unknown[]).length;

describe("the StrataGRC mock's data", () => {
  it("loads the package's fixtures when no data folder is given", () => {
    const data = loadData(undefined);
    expect(data.records.risks).toHaveLength(count("risks"));
    expect(data.records.controls).toHaveLength(count("controls"));
    expect(data.users).toHaveLength(count("users"));
    expect(data.kpiHistory).toHaveLength(count("kpi_history"));
    expect(typeof data.organizationName).toBe("string");
  });

  it("reads DIR/strata when it has risks.json, else falls back to the package's", () => {
    const dir = mkdtempSync(join(tmpdir(), "grc-strata-data-"));
    cpSync(FIXTURES, join(dir, "strata"), { recursive: true });
    writeFileSync(join(dir, "strata", "risks.json"), JSON.stringify([{ id: 1, title: "only" }]));
    expect(loadData(dir).records.risks).toEqual([{ id: 1, title: "only" }]);
    const empty = mkdtempSync(join(tmpdir(), "grc-strata-data-"));
    expect(loadData(empty).records.risks).toHaveLength(count("risks"));
  });
});
