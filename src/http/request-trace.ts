import type { IncomingHttpHeaders } from "node:http";
import { redactHeaders, redactUrl } from "./redact.js";

/** --debug lines: one per request and one per response, always redacted. */

/** Response headers as a plain lower-case record (repeated headers joined with ", "). */
export function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function headerText(headers: Record<string, string>): string {
  return Object.entries(redactHeaders(headers))
    .map(([k, v]) => `${k}: ${v}`)
    .join("; ");
}

/** "> GET https://host/path?X-Amz-Signature=[REDACTED] attempt 1/5 {headers}" */
export function requestLine(
  method: string,
  url: string,
  attempt: number,
  attempts: number,
  headers: Record<string, string>,
): string {
  return `> ${method} ${redactUrl(url)} attempt ${attempt}/${attempts} [${headerText(headers)}]`;
}

/** "< 200 GET https://host/path 12ms attempt 1/5 {headers}" */
export function responseLine(
  status: number,
  method: string,
  url: string,
  ms: number,
  attempt: number,
  attempts: number,
  headers: Record<string, string>,
): string {
  return `< ${status} ${method} ${redactUrl(url)} ${ms}ms attempt ${attempt}/${attempts} [${headerText(headers)}]`;
}

/** "x GET https://host/path 3ms attempt 1/5 ECONNREFUSED" */
export function failureLine(
  method: string,
  url: string,
  ms: number,
  attempt: number,
  attempts: number,
  code: string,
): string {
  return `x ${method} ${redactUrl(url)} ${ms}ms attempt ${attempt}/${attempts} ${code}`;
}
