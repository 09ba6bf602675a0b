/**
 * Reading Sovereign's answers liberally: only what the document promises is required; numbers
 * may come as their text, ids as numbers.
 */
import { UnavailableError } from "../../errors.js";

/** The object without its undefined fields (a loop: it runs for every request of a push). */
export function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key in obj) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}

export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function unexpected(what: string, field: string): UnavailableError {
  return new UnavailableError(
    `the server returned an unexpected ${what} response (missing or invalid "${field}")`,
    "check that the base URL points at a Sovereign GRC API",
  );
}

export function objectOf(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw unexpected(what, "body");
  return v;
}

export function stringField(body: Record<string, unknown>, key: string, what: string): string {
  const v = body[key];
  if (typeof v !== "string" || v.length === 0) throw unexpected(what, key);
  return v;
}

/** Ids may come back as numbers from some deployments; keep them as text. */
export function idField(body: Record<string, unknown>, key: string, what: string): string {
  const v = body[key];
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return stringField(body, key, what);
}

/** A non-negative number, or its decimal text ("3600"): harmless either way. */
export function optionalNumber(v: unknown): number | undefined {
  const n =
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function numberField(body: Record<string, unknown>, key: string, what: string): number {
  const n = optionalNumber(body[key]);
  if (n === undefined) throw unexpected(what, key);
  return n;
}

/** true/false, or their text ("true", "False"); undefined for anything else. */
export function booleanOf(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) {
    return v.trim().toLowerCase() === "true";
  }
  return undefined;
}

export function optionalString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}
