import { describe, expect, it } from "vitest";
import { UnavailableError } from "../../../../src/errors.js";
import {
  booleanOf,
  compact,
  idField,
  numberField,
  optionalNumber,
  optionalString,
} from "../../../../src/platforms/sovereign/fields.js";

// Liberal in what we accept: numbers as their text, ids as numbers, booleans as their text.
describe("Sovereign answer fields", () => {
  it("reads numbers and their decimal text; refuses negatives and other text", () => {
    expect(optionalNumber(900)).toBe(900);
    expect(optionalNumber(" 3600 ")).toBe(3600);
    expect(optionalNumber(-1)).toBeUndefined();
    expect(optionalNumber("1e3")).toBeUndefined();
    expect(numberField({ max_size: "104857600" }, "max_size", "upload-url")).toBe(104857600);
    expect(() => numberField({}, "max_size", "upload-url")).toThrow(UnavailableError);
    expect(() => numberField({}, "max_size", "upload-url")).toThrow(
      'the server returned an unexpected upload-url response (missing or invalid "max_size")',
    );
  });

  it("reads ids as text, booleans and their text, and drops undefined fields from a body", () => {
    expect(idField({ lineage_id: 42 }, "lineage_id", "link")).toBe("42");
    expect(idField({ lineage_id: "l-1" }, "lineage_id", "link")).toBe("l-1");
    expect(booleanOf("False")).toBe(false);
    expect(booleanOf(true)).toBe(true);
    expect(booleanOf("yes")).toBeUndefined();
    expect(optionalString(7)).toBe("7");
    expect(optionalString(null)).toBeUndefined();
    expect(compact({ a: 1, b: undefined, c: null })).toEqual({ a: 1, c: null });
  });
});
