import { describe, expect, it } from "vitest";
import { JsonApiError } from "../../../../src/mock/jsonapi/document.js";
import { readJsonApiParams } from "../../../../src/mock/jsonapi/params.js";
import type { ResourceTypeSpec } from "../../../../src/mock/jsonapi/resources.js";
import {
  isSingle,
  parseCombinator,
  parseConditions,
  parseSorts,
  pathKey,
  rankOf,
  resolveField,
} from "../../../../src/mock/jsonapi/terms.js";
import { query, SPECS, titles } from "../../../helpers/jsonapi-store.js";

describe("conditions on relationships", () => {
  it("matches a to-many relationship when any related resource matches (regions_code_eq)", () => {
    expect(query("suppressions", "filter[regions_code_eq]=eu_west_1").ids).toEqual(["1", "2"]);
    expect(query("suppressions", "filter[regions_code_start]=us").ids).toEqual(["1", "4"]);
  });

  it("matches a to-one relationship (created_by_email_eq) and nested ones", () => {
    expect(query("suppressions", "filter[created_by_email_eq]=bob@mycompany.com").ids).toEqual([
      "1",
      "3",
    ]);
    expect(query("suppressions", "filter[created_by_organization_name_eq]=Evident").ids).toEqual([
      "1",
      "3",
    ]);
    expect(query("suppressions", "filter[signature_risk_level_eq]=high").ids).toEqual(["1", "2"]);
    expect(query("suppressions", "filter[signature_id_eq]=1").ids).toEqual(["4"]);
  });

  it("treats a missing relationship as a null value", () => {
    expect(query("suppressions", "filter[created_by_email_null]=1").ids).toEqual(["4"]);
    expect(query("suppressions", "filter[regions_code_null]=1").ids).toEqual(["3"]);
  });

  it("combines with AND by default and with OR under filter[m]=or (the document's example)", () => {
    const and =
      "filter[created_by_email_eq]=bob@mycompany.com&filter[regions_code_start]=us&filter[resource_not_null]=1";
    expect(query("suppressions", and).ids).toEqual(["1"]);
    const or =
      "filter[created_by_email_eq]=bob@mycompany.com&filter[m]=or&filter[regions_code_start]=us&filter[resource_not_null]=1";
    expect(query("suppressions", or).ids).toEqual(["1", "3", "4"]);
  });
});

describe("422 for bad search terms", () => {
  it("names each unknown attribute as the document does", () => {
    const res = query("suppressions", "filter[bad_attribute_eq]=something&filter[nope_cont]=x");
    expect(res.status).toBe(422);
    expect(res.document).toEqual({
      errors: [
        { status: "422", title: "Invalid search term bad_attribute_eq" },
        { status: "422", title: "Invalid search term nope_cont" },
      ],
    });
  });

  it("refuses a term without a predicate and an unknown combinator", () => {
    expect(titles(query("signatures", "filter[name]=x").document)).toEqual([
      "Invalid search term name",
    ]);
    expect(query("signatures", "filter[m]=xor").status).toBe(422);
  });
});

describe("terms resolved against the types", () => {
  const specs = new Map(SPECS.map((s) => [s.type, s]));
  const spec = (type: string): ResourceTypeSpec => specs.get(type)!;

  it("follows relationships by name prefix down to an attribute", () => {
    const path = resolveField(specs, spec("suppressions"), "created_by_organization_name")!;
    expect(path.hops.map((h) => h.name)).toEqual(["created_by", "organization"]);
    expect(path.attribute).toBe("name");
    expect(path.ownerType).toBe("organizations");
    expect(pathKey(path)).toBe("created_by.organization:name");
    expect(isSingle(path)).toBe(true);
    const many = resolveField(specs, spec("suppressions"), "regions_code")!;
    expect(isSingle(many)).toBe(false);
    expect(resolveField(specs, spec("suppressions"), "id")!.hops).toEqual([]);
    expect(resolveField(specs, spec("suppressions"), "created_by_colour")).toBeUndefined();
  });

  it("finds an attribute's enum ranks on the type that owns it", () => {
    const path = resolveField(specs, spec("suppressions"), "signature_risk_level")!;
    expect(rankOf(specs, path)).toEqual(["low", "medium", "high"]);
    expect(rankOf(specs, resolveField(specs, spec("signatures"), "name")!)).toBeUndefined();
  });

  it("splits a list predicate's comma form, keeps the last of a repeated scalar", () => {
    const p = readJsonApiParams(
      new URLSearchParams("filter[id_in]=1, 2,,3&filter[name_eq]=a&filter[name_eq]=b"),
    );
    const conditions = parseConditions(specs, spec("signatures"), p);
    expect(conditions.map((c) => [c.term, c.predicate, c.values])).toEqual([
      ["id_in", "in", ["1", "2", "3"]],
      ["name_eq", "eq", ["b"]],
    ]);
  });

  it("reads sort directions and refuses a third word or an unknown direction", () => {
    const keys = parseSorts(specs, spec("signatures"), ["score DESC", " name ", ""]);
    expect(keys.map((k) => [k.path.attribute, k.descending])).toEqual([
      ["score", true],
      ["name", false],
    ]);
    expect(() => parseSorts(specs, spec("signatures"), ["score desc now"])).toThrow(JsonApiError);
    expect(() => parseSorts(specs, spec("signatures"), ["score up"])).toThrow(
      "Invalid sort term score up",
    );
  });

  it("takes and/or in any case and refuses anything else", () => {
    expect(parseCombinator(undefined)).toBe("and");
    expect(parseCombinator("OR")).toBe("or");
    expect(() => parseCombinator("xor")).toThrow("Invalid combinator xor: use and or or");
  });
});
