import { createHash } from "node:crypto";
import type { ReceiptEntry, ReceiptSummary } from "../evidence/receipt.js";

/**
 * OSCAL 1.0.4 Assessment Results from grc receipts: one result per receipt (its run's start
 * and end), one observation per evidence line, one back-matter resource per evidence file
 * holding its SHA-256 in `rlinks[].hashes`, and the linked controls in `reviewed-controls`.
 * Every UUID is a version 5 UUID of the content, so the same receipts give the same
 * document byte for byte.
 */

/** The namespace of grc's v5 UUIDs (fixed; changing it changes every exported UUID). */
export const GRC_UUID_NAMESPACE = "7f2d741b-20df-4344-a662-02d42302cf26";
/** Namespace of grc's OSCAL properties. */
export const GRC_OSCAL_NS = "urn:grc:oscal:v1";

/** RFC 9562 §5.5 name-based UUID (SHA-1). */
export function uuidV5(name: string, namespace = GRC_UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const h = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** One receipt as the exporter reads it. */
export interface ExportReceipt {
  name: string;
  /** SHA-256 of the whole receipt file. */
  sha256: string;
  summary: ReceiptSummary;
  entries: ReceiptEntry[];
}

/** An OSCAL string: no control characters, no surrounding blanks, never empty. */
function str(value: string): string {
  const text = value.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, " ").trim();
  return text === "" ? "-" : text;
}

/** An OSCAL token (control ids): letters, digits, `.`, `-`, `_`, starting with a letter or `_`. */
export function oscalToken(value: string): string {
  let t = value.normalize("NFC").replace(/[^\p{L}\p{N}._-]/gu, "_");
  if (!/^[\p{L}_]/u.test(t)) t = `_${t}`;
  return t;
}

function prop(name: string, value: string) {
  return { name, ns: GRC_OSCAL_NS, value: str(value) };
}

/** A relative URI reference for an object key (percent-encoded, never a scheme). */
function keyHref(objectKey: string): string {
  return objectKey
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/")
    .replace(/^([^/]*):/, "$1%3A");
}

/** Builds the Assessment Results document (the object under "assessment-results" included). */
export function assessmentResults(
  receipts: ExportReceipt[],
  tool: { version: string },
): { "assessment-results": Record<string, unknown> } {
  const sorted = [...receipts].sort(
    (a, b) =>
      a.summary.started_at.localeCompare(b.summary.started_at) || a.sha256.localeCompare(b.sha256),
  );
  const docUuid = uuidV5(`assessment-results:${sorted.map((r) => r.sha256).join(",")}`);
  const resources = new Map<string, Record<string, unknown>>();
  const results = sorted.map((r) => {
    const resultUuid = uuidV5(`result:${r.sha256}`);
    const receiptResource = uuidV5(`receipt:${r.sha256}`);
    resources.set(receiptResource, {
      uuid: receiptResource,
      title: str(`grc receipt ${r.name}`),
      description: str(
        `NDJSON receipt of a grc push (version ${r.summary.version}); its SHA-256 covers every evidence line.`,
      ),
      props: [prop("receipt-version", String(r.summary.version))],
      rlinks: [
        {
          href: keyHref(r.name),
          "media-type": "application/x-ndjson",
          hashes: [{ algorithm: "SHA-256", value: r.sha256 }],
        },
      ],
    });
    const controls = [...new Set(r.entries.map((e) => e.control_id))].sort();
    const observations = r.entries.map((e, i) => {
      const resourceUuid = uuidV5(`evidence:${e.sha256}:${e.object_key}`);
      if (!resources.has(resourceUuid)) {
        resources.set(resourceUuid, {
          uuid: resourceUuid,
          title: str(e.path),
          description: str(`Evidence file stored as ${e.object_key} on ${e.base_url}`),
          props: [
            prop("object-key", e.object_key),
            prop("evidence-id", e.evidence_id),
            prop("size", String(e.size)),
            prop("base-url", e.base_url),
            prop("org-id", e.org_id),
          ],
          rlinks: [
            {
              href: keyHref(e.object_key),
              "media-type": str(e.content_type || "application/octet-stream"),
              hashes: [{ algorithm: "SHA-256", value: e.sha256 }],
            },
          ],
        });
      }
      const props = [
        prop("control-id", e.control_id),
        prop("lineage-id", e.lineage_id),
        prop("server-verified", e.verified ? "true" : "false"),
      ];
      if (e.framework_id) props.push(prop("framework-id", e.framework_id));
      if (e.assessment_id) props.push(prop("assessment-id", e.assessment_id));
      return {
        uuid: uuidV5(`observation:${r.sha256}:${i}`),
        title: str(e.path),
        description: str(
          `${e.path} (${e.size} bytes, SHA-256 ${e.sha256}) was uploaded, ${e.verified ? "verified by the server against its SHA-256" : "not verified by the server"}, and linked to control ${e.control_id}${e.framework_id ? ` of ${e.framework_id}` : ""} as lineage ${e.lineage_id}.`,
        ),
        props,
        links: [{ href: `#${resourceUuid}`, rel: "evidence" }],
        methods: ["EXAMINE"],
        collected: e.times.uploaded_at,
      };
    });
    const result: Record<string, unknown> = {
      uuid: resultUuid,
      title: str(`Evidence pushed by grc (${r.name})`),
      description: str(
        `${r.summary.linked} evidence files linked on ${r.summary.base_url}, org ${r.summary.org_id}; ${r.summary.skipped} skipped, ${r.summary.failed} failed${r.summary.interrupted ? ", interrupted" : ""}.`,
      ),
      start: r.summary.started_at,
      end: r.summary.finished_at,
      props: [prop("base-url", r.summary.base_url), prop("org-id", r.summary.org_id)],
      links: [{ href: `#${receiptResource}`, rel: "source" }],
      "reviewed-controls": {
        "control-selections": [
          controls.length > 0
            ? { "include-controls": controls.map((c) => ({ "control-id": oscalToken(c) })) }
            : { remarks: "No evidence was linked in this run." },
        ],
      },
    };
    if (observations.length > 0) result.observations = observations;
    return result;
  });
  const lastModified = sorted.reduce(
    (max, r) => (r.summary.finished_at > max ? r.summary.finished_at : max),
    sorted[0]?.summary.finished_at ?? "1970-01-01T00:00:00.000Z",
  );
  const planResource = uuidV5(`assessment-plan:${docUuid}`);
  const assessments = [
    ...new Set(sorted.flatMap((r) => r.entries.map((e) => e.assessment_id).filter(Boolean))),
  ] as string[];
  resources.set(planResource, {
    uuid: planResource,
    title: "Assessment plan (not part of this export)",
    description: str(
      assessments.length > 0
        ? `The evidence was linked to assessment ${assessments.sort().join(", ")} on the GRC platform; its plan is kept there.`
        : "grc exports evidence receipts; the assessment plan is kept on the GRC platform.",
    ),
  });
  return {
    "assessment-results": {
      uuid: docUuid,
      metadata: {
        title: "Evidence receipts exported by grc",
        "last-modified": lastModified,
        version: str(`grc ${tool.version}`),
        "oscal-version": "1.0.4",
      },
      "import-ap": { href: `#${planResource}` },
      results,
      "back-matter": { resources: [...resources.values()] },
    },
  };
}
