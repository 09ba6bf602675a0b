import { describe, expect, it } from "vitest";
import { checkInput, type ObjectSchema } from "../../../src/mcp/input-schema.js";
import { scrubUrls, TOOLS, toolsFor } from "../../../src/mcp/tools.js";

const schema: ObjectSchema = {
  type: "object",
  properties: {
    type: { type: "string", description: "t", enum: ["a", "b"] },
    page: { type: "integer", description: "p", minimum: 1, maximum: 100 },
    filter: { type: "array", description: "f", items: { type: "string" }, maxItems: 2 },
    any: { type: "boolean", description: "b" },
    filters: {
      type: "object",
      description: "o",
      additionalProperties: { type: ["string", "integer"] },
    },
  },
  required: ["type"],
  additionalProperties: false,
};

describe("checkInput", () => {
  it("accepts what the schema allows", () => {
    const args = { type: "a", page: 3, filter: ["x"], any: true, filters: { s: "Open", n: 2 } };
    expect(checkInput("t", schema, args)).toEqual(args);
  });

  it.each([
    [{}, '"type" is required'],
    [{ type: "c" }, '"type" must be one of a, b, got "c"'],
    [{ type: "a", page: 0 }, '"page" must be at least 1, got 0'],
    [{ type: "a", page: 1.5 }, '"page" must be a whole number, got 1.5'],
    [{ type: "a", filter: ["x", "y", "z"] }, '"filter" takes at most 2 items'],
    [{ type: "a", filter: "x" }, '"filter" must be an array of strings'],
    [{ type: "a", any: "yes" }, '"any" must be true or false, got a string'],
    [{ type: "a", filters: { s: true } }, '"filters.s" must be string or integer'],
    [
      { type: "a", colour: 1 },
      'unknown argument "colour"; arguments: type, page, filter, any, filters',
    ],
    [[], "arguments must be an object, got an array"],
  ])("%j -> %s", (input, problem) => {
    expect(() => checkInput("tool", schema, input)).toThrow(`tool: ${problem}`);
  });
});

describe("tools", () => {
  it("every tool publishes an object schema with descriptions and no extra properties", () => {
    for (const tool of TOOLS) {
      expect(tool.inputSchema.additionalProperties).toBe(false);
      for (const p of Object.values(tool.inputSchema.properties))
        expect(p.description).not.toBe("");
    }
  });

  it("are offered by credential kind", () => {
    expect(toolsFor("session").map((t) => t.name)).toEqual([
      "receipt_verify",
      "strata_list",
      "strata_get",
      "strata_dashboard",
    ]);
    expect(toolsFor("hmac").map((t) => t.name)).toEqual([
      "receipt_verify",
      "alerts_list",
      "collection_list",
      "resource_get",
    ]);
  });

  it("scrubUrls redacts presigned URL signatures anywhere in a result", () => {
    const out = scrubUrls({
      items: [{ url: "https://s3.example.com/b/k?X-Amz-Signature=abcdef&X-Amz-Expires=900" }],
      name: "plain",
    }) as { items: { url: string }[]; name: string };
    expect(out.items[0]!.url).not.toContain("abcdef");
    expect(out.name).toBe("plain");
  });
});
