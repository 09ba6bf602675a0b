/**
 * Evidence upload (seed 000 steps 1, 3 and 4): upload-url, verify, link-to-control. Step 2,
 * the PUT to presigned storage, is the storage client's; these functions only speak to the API.
 */
import type {
  CallOptions,
  Lineage,
  LinkParams,
  UploadUrl,
  UploadUrlParams,
  VerifyOptions,
  VerifyResult,
} from "../../core/platform.js";
import { ContradictingAnswerError } from "../../errors.js";
import { decodeHttpError } from "../../http/error-decoder.js";
import type { ApiClient } from "../../http/types.js";
import { explained, sovereignErrors, storageNotConfigured } from "./errors.js";
import {
  booleanOf,
  compact,
  idField,
  isObject,
  jsonOrUndefined,
  numberField,
  objectOf,
  optionalNumber,
  optionalString,
  stringField,
  unexpected,
} from "./fields.js";
import { evidencePaths } from "./paths.js";
import { assertSafeObjectKey, assertSafeStorageUrl } from "./safety.js";

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

/** Step 1: mints a presigned PUT URL and an object key. */
export async function requestUploadUrl(
  api: ApiClient,
  orgId: string,
  params: UploadUrlParams,
  options: CallOptions = {},
): Promise<UploadUrl> {
  const res = await explained(() =>
    api.request({
      method: "POST",
      path: evidencePaths(orgId).uploadUrl,
      headers: JSON_HEADERS,
      body: JSON.stringify(compact({ ...params })),
      // Each call mints a fresh URL and nothing is stored server-side, so repeating is safe.
      idempotent: true,
      permanentFailure: storageNotConfigured,
      signal: options.signal,
    }),
  );
  // The seed's four fields, nothing else; numbers may come as numeric strings.
  const body = objectOf(res.json(), "upload-url");
  const uploadUrl = stringField(body, "upload_url", "upload-url");
  const objectKey = stringField(body, "object_key", "upload-url");
  assertSafeStorageUrl(uploadUrl, api.baseUrl, "upload");
  assertSafeObjectKey(objectKey);
  return {
    upload_url: uploadUrl,
    object_key: objectKey,
    expires_in: numberField(body, "expires_in", "upload-url"),
    max_size: numberField(body, "max_size", "upload-url"),
  };
}

/**
 * Step 3: asks the server to recompute the stored object's SHA-256. The seed documents no
 * response body, so the verdict is read liberally and checked against what we know:
 * - `verified: false` (with 2xx, 409 or 422) is a mismatch;
 * - a returned hash (`actual_hash`, `sha256`, `hash`; any letter case) that differs from the
 *   local one, an `expected_hash` that is not ours, an `object_key` that is not the one asked
 *   about, or a `size` that is not the file's, is a mismatch whatever `verified` says;
 * - any other 2xx, empty or JSON, is a pass: the server's check succeeded (HTTP success is
 *   the verdict); a 2xx whose body is not JSON (a proxy's page) is an unexpected answer.
 * A mismatch is a result, not an exception: the caller decides how to report the file.
 */
export async function verifyObject(
  api: ApiClient,
  orgId: string,
  objectKey: string,
  sha256: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  assertSafeObjectKey(objectKey);
  const expected = sha256.toLowerCase();
  // send() resolves with any status, so a 409/422 body (with the stored hash) stays readable.
  const res = await explained(() =>
    api.send({
      method: "POST",
      path: evidencePaths(orgId).verify(objectKey, expected),
      headers: { accept: "application/json" },
      // Verify only reads the stored object.
      idempotent: true,
      permanentFailure: storageNotConfigured,
      signal: options.signal,
    }),
  );
  const ok = res.status >= 200 && res.status < 300;
  const text = ok || res.status === 409 || res.status === 422 ? res.text() : "";
  const parsed = jsonOrUndefined(text);
  // An empty body is a verdict-less answer; a body that is not JSON (a proxy's or captive
  // portal's page) is not an answer from the API at all.
  if (ok && parsed === undefined && text.trim() !== "") throw unexpected("verify", "body");
  const body = isObject(parsed) ? parsed : { verified: parsed };
  const verdict = booleanOf(body.verified);
  if (!ok && verdict !== false) {
    throw sovereignErrors.explain(
      decodeHttpError({
        status: res.status,
        headers: res.headers,
        body: res.body,
        method: "POST",
        url: res.url,
      }),
    );
  }
  const actual = reportedHash(body);
  const size = optionalNumber(body.size);
  const result: VerifyResult = {
    verified: true,
    object_key: objectKey,
    expected_hash: expected,
    actual_hash: actual,
    size,
  };
  const fail = (detail: string): VerifyResult => ({ ...result, verified: false, detail });
  if (verdict === false) {
    return fail(optionalString(body.detail) ?? optionalString(body.message) ?? "hash mismatch");
  }
  if (actual !== undefined && actual !== expected) {
    return fail(`the server reports SHA-256 ${actual} for the stored object`);
  }
  const echoedHash = optionalString(body.expected_hash);
  if (echoedHash !== undefined && echoedHash.toLowerCase() !== expected) {
    return fail(`the answer is about another hash (${echoedHash.slice(0, 80)})`);
  }
  const echoedKey = optionalString(body.object_key);
  if (echoedKey !== undefined && echoedKey !== objectKey) {
    return fail(`the answer is about another object (${JSON.stringify(echoedKey.slice(0, 200))})`);
  }
  if (size !== undefined && options.size !== undefined && size !== options.size) {
    return fail(`the stored object is ${size} bytes, the file ${options.size}`);
  }
  return result;
}

/** The stored object's hash as a verify answer names it, lower-cased; undefined when absent. */
function reportedHash(body: Record<string, unknown>): string | undefined {
  for (const key of ["actual_hash", "sha256", "hash"]) {
    const v = body[key];
    if (typeof v === "string" && v.trim() !== "") return v.trim().toLowerCase();
  }
  return undefined;
}

/**
 * Step 4: links the stored object to a control (idempotent per content hash + control). The
 * seed's answer `{lineage_id, evidence_id, control_id, framework_id, assessment_id, created}`
 * is checked against the request: a row for another evidence or control (or framework or
 * assessment) is refused, never reported as linked.
 */
export async function linkToControl(
  api: ApiClient,
  orgId: string,
  params: LinkParams,
  options: CallOptions = {},
): Promise<Lineage> {
  assertSafeObjectKey(params.object_key);
  const { evidence_id, ...rest } = params;
  const res = await explained(() =>
    api.request({
      method: "POST",
      path: evidencePaths(orgId).link(evidence_id),
      headers: JSON_HEADERS,
      body: JSON.stringify(
        compact({
          control_id: rest.control_id,
          framework_id: rest.framework_id,
          assessment_id: rest.assessment_id,
          object_key: rest.object_key,
        }),
      ),
      // The seed: re-linking returns the existing row with created: false.
      idempotent: true,
      signal: options.signal,
    }),
  );
  const body = objectOf(res.json(), "link-to-control");
  const created = booleanOf(body.created);
  if (created === undefined) throw unexpected("link-to-control", "created");
  const lineage: Lineage = {
    lineage_id: idField(body, "lineage_id", "link-to-control"),
    evidence_id: idField(body, "evidence_id", "link-to-control"),
    control_id: idField(body, "control_id", "link-to-control"),
    framework_id: optionalString(body.framework_id) ?? null,
    assessment_id: optionalString(body.assessment_id) ?? null,
    created,
  };
  const differs = (field: string, got: string, sent: string) =>
    new ContradictingAnswerError(
      `link-to-control answered for ${field} ${JSON.stringify(got.slice(0, 100))}, not the ${JSON.stringify(sent.slice(0, 100))} sent; not counted as linked`,
    );
  if (lineage.evidence_id.toLowerCase() !== evidence_id.toLowerCase()) {
    throw differs("evidence", lineage.evidence_id, evidence_id);
  }
  if (lineage.control_id !== rest.control_id) {
    throw differs("control", lineage.control_id, rest.control_id);
  }
  // The link is idempotent per (object, control): a re-link returns the existing row with
  // created: false, whatever framework or assessment it was made with, so those are checked
  // only on a row this request created, and only where we sent one. Null or absent where we
  // sent one is accepted (the seed makes both optional).
  if (created) {
    for (const key of ["framework_id", "assessment_id"] as const) {
      const got = lineage[key];
      const sent = rest[key];
      if (got !== null && sent !== undefined && got !== sent) {
        throw differs(key.replace("_id", ""), got, sent);
      }
    }
  }
  return { ...lineage, evidence_id: lineage.evidence_id.toLowerCase() };
}
