/** Evidence flattened for output: what `grc evidence list/get` print. */
import type { EvidenceAttributes, JsonApiResource } from "../../core/platform.js";
import { UsageError } from "../../errors.js";
import { isObject, optionalString } from "./fields.js";

/** Checks a user-typed SHA-256 (evidence id or expected hash) and returns it lower-cased. */
export function parseSha256(text: string, what: string): string {
  const value = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(value)) {
    throw new UsageError(
      `${what} must be a SHA-256 (64 hex characters), got "${value.slice(0, 80)}"`,
      "the evidence id is the file's SHA-256, e.g. from `sha256sum FILE` or `grc evidence list`",
    );
  }
  return value.toLowerCase();
}

/** An evidence resource flattened for output, with the controls of its included lineage rows. */
export interface EvidenceRecord {
  id: string;
  filename: string;
  size: number;
  content_type: string;
  created_at: string;
  object_keys: string[];
  controls: string[];
}

/** Flattens an evidence resource; `controls` come from included `evidence_lineages` rows. */
export function evidenceRecord(
  resource: JsonApiResource<EvidenceAttributes>,
  included: readonly JsonApiResource[],
): EvidenceRecord {
  const rows = lineageRows(resource, included);
  const controls = [...new Set(rows.map((r) => r.control_id).filter((c) => c !== ""))];
  const a = resource.attributes;
  return {
    id: resource.id,
    filename: a.filename,
    size: a.size,
    content_type: a.content_type,
    created_at: a.created_at,
    object_keys: a.object_keys,
    controls,
  };
}

/** A lineage row (evidence linked to a control) as `get` prints it. */
export interface LineageRecord {
  lineage_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  object_key: string | null;
  created_at: string | null;
}

/** The included `evidence_lineages` rows that belong to `resource` (all of them when it names none). */
export function lineageRows(
  resource: Pick<JsonApiResource, "relationships">,
  included: readonly JsonApiResource[],
): LineageRecord[] {
  const linkage = resource.relationships?.lineage?.data;
  const ids = Array.isArray(linkage)
    ? new Set(
        linkage
          .filter(isObject)
          .map((l) => String(l.id ?? ""))
          .filter((id) => id !== ""),
      )
    : undefined;
  return included
    .filter((r) => r.type === "evidence_lineages" && (!ids || ids.has(r.id)))
    .map((r) => ({
      lineage_id: r.id,
      control_id: optionalString(r.attributes.control_id) ?? "",
      framework_id: optionalString(r.attributes.framework_id) ?? null,
      assessment_id: optionalString(r.attributes.assessment_id) ?? null,
      object_key: optionalString(r.attributes.object_key) ?? null,
      created_at: optionalString(r.attributes.created_at) ?? null,
    }));
}
