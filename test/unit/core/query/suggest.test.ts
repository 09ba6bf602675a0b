import { describe, expect, it } from "vitest";
import { closest } from "../../../../src/core/query/suggest.js";

describe("did you mean", () => {
  const statuses = ["pass", "fail", "warn", "error", "info"];
  it.each([
    ["failed", statuses, "fail"],
    ["passed", statuses, "pass"],
    ["warnn", statuses, "warn"],
    ["eror", statuses, "error"],
    ["stauts", ["id", "status", "resource"], "status"],
    ["equals", ["eq", "not_eq", "in"], "eq"],
  ])("%s -> %s", (typed, choices, expected) => {
    expect(closest(typed, choices)).toBe(expected);
  });

  it.each([
    ["critical", ["low", "medium", "high"]],
    ["foo", ["id", "status", "resource", "created_at"]],
  ])("%s suggests nothing", (typed, choices) => {
    expect(closest(typed, choices)).toBeUndefined();
  });
});
