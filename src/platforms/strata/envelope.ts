/**
 * StrataGRC's answers in any of the shapes a server may use (the seed shows no response body):
 * the envelope `{"success": true, "data": ...}`, `{"data": ...}`, or the bare value.
 */
import { UnavailableError } from "../../errors.js";

/** What a call's `data` must be: checked once, in `call`, so no command meets a null. */
export type DataShape = "any" | "object" | "list" | "chart";

export const SHAPE_TEXT: Record<DataShape, string> = {
  any: "anything",
  object: "an object",
  list: "a list of objects",
  chart: "a chart ({labels: [...], values: [...]})",
};

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * `data` in the shape a caller needs, or undefined when it is not: objects as they are, a list
 * of objects, a chart whose values are numbers (also sent as their text).
 */
export function normalise(data: unknown, shape: DataShape): unknown {
  switch (shape) {
    case "object":
      return isRecord(data) ? data : undefined;
    case "list":
      return Array.isArray(data) && data.every(isRecord) ? data : undefined;
    case "chart": {
      if (!isRecord(data) || !Array.isArray(data.labels) || !Array.isArray(data.values)) {
        return undefined;
      }
      const values = data.values.map((v) =>
        typeof v === "string" && v.trim() !== "" ? Number(v) : v,
      );
      const ok =
        data.labels.every((l) => typeof l === "string") &&
        values.every((v) => typeof v === "number" && Number.isFinite(v));
      return ok ? { ...data, values } : undefined;
    }
    default:
      return data;
  }
}

/**
 * Splits an answer into its data and the object around it: `{"success": true, "data": D}` and
 * `{"data": D}` give D; `{"success": true, ...fields}` gives the fields; anything else is the
 * bare value.
 */
export function unwrap(body: unknown): { data: unknown; envelope: Record<string, unknown> } {
  if (!isRecord(body)) return { data: body, envelope: {} };
  if ("data" in body) return { data: body.data, envelope: body };
  if (body.success === true) {
    const { success: _success, ...rest } = body;
    return { data: rest, envelope: body };
  }
  return { data: body, envelope: {} };
}

export function unexpectedAnswer(where: string, why: string): UnavailableError {
  return new UnavailableError(
    `unexpected StrataGRC response from ${where}: ${why}`,
    "check the base URL and the profile's StrataGRC paths (`grc config list`)",
  );
}
