import type { MockFieldSpec as StrataFieldSpec } from "./strata-schema.js";
import type { MockReply, MockRequest } from "./types.js";

/**
 * How the StrataGRC mock reads a request and writes a reply: the seed's error codes and their
 * statuses, the `{success, data}` / `{success: false, error: {code, message}}` envelope, the
 * session cookie, ids, JSON bodies and their fields checked against the mock's own schema.
 */

/** Any record id equal to this answers 500 SERVER_ERROR (the documented way to see one). */
export const STRATA_SERVER_ERROR_ID = 500;

/** The error codes the seed names. */
export type ErrorCode =
  | "AUTH_REQUIRED"
  | "PERMISSION_DENIED"
  | "NOT_FOUND"
  | "VALIDATION_ERROR"
  | "SERVER_ERROR";

const STATUS_OF: Record<ErrorCode, number> = {
  AUTH_REQUIRED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  VALIDATION_ERROR: 422,
  SERVER_ERROR: 500,
};

/** A failure the router turns into the seed's error body. */
export class StrataFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON reply. */
export function reply(status: number, body: unknown): MockReply {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(body),
  };
}

/** `{success: true, data, ...extra}` with 200. */
export function ok(data: unknown, extra: Record<string, unknown> = {}): MockReply {
  return reply(200, { success: true, data, ...extra });
}

/** `{success: false, error: {code, message}}` with the code's status. */
export function fail(code: ErrorCode, message: string): MockReply {
  return reply(STATUS_OF[code], { success: false, error: { code, message } });
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Checks one incoming value against a field spec; the mock's half of the enum checks. */
export function checkValue(spec: StrataFieldSpec, value: unknown, name: string): unknown {
  if (value === null) return null;
  if (spec.type === "int" || spec.type === "number") {
    const n = typeof value === "number" ? value : Number(value);
    const bad =
      (typeof value === "string" && value.trim() === "") ||
      (typeof value !== "number" && typeof value !== "string") ||
      !Number.isFinite(n) ||
      (spec.type === "int" && !Number.isInteger(n));
    if (bad) {
      throw new StrataFailure(
        "VALIDATION_ERROR",
        `${name} must be ${spec.type === "int" ? "an integer" : "a number"}`,
      );
    }
    return n;
  }
  if (typeof value !== "string")
    throw new StrataFailure("VALIDATION_ERROR", `${name} must be a string`);
  if (spec.enum && !spec.enum.includes(value)) {
    throw new StrataFailure(
      "VALIDATION_ERROR",
      `Invalid ${name} '${value}': must be one of ${spec.enum.join(", ")}`,
    );
  }
  return value;
}

/** A record id from a query parameter or body; the reserved id answers SERVER_ERROR. */
export function parseId(raw: string | null | unknown, name = "id"): number {
  if (raw === null || raw === undefined || raw === "") {
    throw new StrataFailure("VALIDATION_ERROR", `Missing required parameter: ${name}`);
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new StrataFailure("VALIDATION_ERROR", `${name} must be a positive integer`);
  }
  if (n === STRATA_SERVER_ERROR_ID) {
    throw new StrataFailure("SERVER_ERROR", "Internal server error");
  }
  return n;
}

/** A request's JSON object body; VALIDATION_ERROR for another type, bad JSON or a non-object. */
export function parseJsonBody(req: MockRequest): Record<string, unknown> {
  const type = String(req.headers["content-type"] ?? "");
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new StrataFailure(
      "VALIDATION_ERROR",
      "Request body must be JSON (Content-Type: application/json)",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw new StrataFailure("VALIDATION_ERROR", "Request body is not valid JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new StrataFailure("VALIDATION_ERROR", "Request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Checks a create/update body: known fields, types, enums, required fields on create. */
export function checkBody(
  fields: Readonly<Record<string, StrataFieldSpec>>,
  body: Record<string, unknown>,
  partial: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const spec = fields[key];
    if (!spec) throw new StrataFailure("VALIDATION_ERROR", `Unknown field: ${key}`);
    out[key] = checkValue(spec, value, key);
  }
  if (!partial) {
    for (const [key, spec] of Object.entries(fields)) {
      if (spec.required && (out[key] === undefined || out[key] === null || out[key] === "")) {
        throw new StrataFailure("VALIDATION_ERROR", `Missing required field: ${key}`);
      }
    }
  }
  if (Object.keys(out).length === 0) {
    throw new StrataFailure("VALIDATION_ERROR", "No fields to update");
  }
  return out;
}
