import { UsageError } from "../errors.js";

/** The JSON Schema subset the MCP tools' inputs use (published as is in tools/list). */
export type PropertySchema =
  | { type: "string"; description: string; enum?: readonly string[]; pattern?: string }
  | { type: "integer"; description: string; minimum?: number; maximum?: number }
  | { type: "boolean"; description: string }
  | {
      type: "array";
      description: string;
      items: { type: "string" };
      maxItems?: number;
    }
  | {
      type: "object";
      description: string;
      additionalProperties: { type: readonly ("string" | "integer")[] };
    };

/** A tool's input: an object with named properties and nothing else. */
export interface ObjectSchema {
  type: "object";
  properties: Record<string, PropertySchema>;
  required?: readonly string[];
  additionalProperties: false;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/**
 * Checks a tool's arguments against its schema and returns them typed. A problem is a
 * UsageError naming the argument, like a bad flag on the command line (the server turns it
 * into a tool error). The SDK does not validate inputs of a low-level server, so this does.
 */
export function checkInput(
  tool: string,
  schema: ObjectSchema,
  input: unknown,
): Record<string, unknown> {
  const args = input ?? {};
  const fail = (problem: string) =>
    new UsageError(`${tool}: ${problem}`, "see the tool's input schema (tools/list)");
  if (typeof args !== "object" || Array.isArray(args)) {
    throw fail(`arguments must be an object, got ${typeName(args)}`);
  }
  const record = args as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(schema.properties, key)) {
      const known = Object.keys(schema.properties);
      throw fail(
        `unknown argument "${key}"${known.length ? `; arguments: ${known.join(", ")}` : ""}`,
      );
    }
  }
  for (const key of schema.required ?? []) {
    if (record[key] === undefined || record[key] === null) {
      throw fail(`"${key}" is required`);
    }
  }
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    const p = schema.properties[key]!;
    switch (p.type) {
      case "string":
        if (typeof value !== "string")
          throw fail(`"${key}" must be a string, got ${typeName(value)}`);
        if (p.enum && !p.enum.includes(value)) {
          throw fail(`"${key}" must be one of ${p.enum.join(", ")}, got "${value}"`);
        }
        if (p.pattern && !new RegExp(p.pattern).test(value)) {
          throw fail(`"${key}" does not match ${p.pattern}`);
        }
        break;
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) {
          throw fail(`"${key}" must be a whole number, got ${JSON.stringify(value)}`);
        }
        if (p.minimum !== undefined && value < p.minimum) {
          throw fail(`"${key}" must be at least ${p.minimum}, got ${value}`);
        }
        if (p.maximum !== undefined && value > p.maximum) {
          throw fail(`"${key}" must be at most ${p.maximum}, got ${value}`);
        }
        break;
      case "boolean":
        if (typeof value !== "boolean")
          throw fail(`"${key}" must be true or false, got ${typeName(value)}`);
        break;
      case "array":
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
          throw fail(`"${key}" must be an array of strings`);
        }
        if (p.maxItems !== undefined && value.length > p.maxItems) {
          throw fail(`"${key}" takes at most ${p.maxItems} items`);
        }
        break;
      case "object":
        if (typeof value !== "object" || Array.isArray(value)) {
          throw fail(`"${key}" must be an object, got ${typeName(value)}`);
        }
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          const ok =
            (typeof v === "string" && p.additionalProperties.type.includes("string")) ||
            (typeof v === "number" &&
              Number.isInteger(v) &&
              p.additionalProperties.type.includes("integer"));
          if (!ok) throw fail(`"${key}.${k}" must be ${p.additionalProperties.type.join(" or ")}`);
        }
        break;
    }
  }
  return record;
}
