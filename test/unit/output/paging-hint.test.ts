import { describe, expect, it } from "vitest";
import { pagingHint } from "../../../src/output/paging-hint.js";

describe("the 'showing N of M' line", () => {
  it("names the total and the pages when the server tells them (StrataGRC's wording)", () => {
    expect(pagingHint({ shown: 25, total: 42, noun: "controls", page: 1, pages: 2 })).toBe(
      "showing 25 of 42 controls (page 1 of 2); pass --all for every page or --page 2 for the next",
    );
  });

  it("says 'of more' without a total, and leaves out an unknown page count", () => {
    expect(pagingHint({ shown: 20, noun: "alerts", page: 3, pages: 25 })).toBe(
      "showing 20 of more alerts (page 3 of 25); pass --all for every page or --page 4 for the next",
    );
    expect(pagingHint({ shown: 20, noun: "alerts", page: 1 })).toBe(
      "showing 20 of more alerts (page 1); pass --all for every page or --page 2 for the next",
    );
  });
});
