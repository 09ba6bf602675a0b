import type { ReceiptEntry, ReceiptSummary } from "../evidence/receipt.js";
import type { CiContext } from "./ci-context.js";

/**
 * The in-toto Statement v1 grc writes for a push (in-toto/attestation spec v1): one subject
 * per evidence file (its path and SHA-256) and a predicate saying where each file was
 * stored, which control it was linked to and whether the server verified it.
 */

/** in-toto Statement v1 `_type`. */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
/**
 * grc's predicate type (docs/auditing.md, "Attestation predicate"). A URN, so it claims no
 * web domain; the version suffix changes only when a field changes meaning.
 */
export const PREDICATE_TYPE = "urn:grc:attestation:evidence-push:v1";

/** One evidence link in the predicate. */
export interface PredicateEvidence {
  path: string;
  sha256: string;
  size: number;
  content_type: string;
  object_key: string;
  evidence_id: string;
  lineage_id: string;
  control_id: string;
  framework_id: string | null;
  assessment_id: string | null;
  created: boolean;
  verified: boolean;
  verified_at: string | null;
  uploaded_at: string;
  linked_at: string;
}

/** The statement grc signs. */
export interface EvidenceStatement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: {
    tool: { name: "grc"; version: string };
    base_url: string;
    org_id: string;
    started_at: string;
    finished_at: string;
    receipt: { name: string; sha256: string; version: number } | null;
    counts: { linked: number; skipped: number; failed: number; interrupted: boolean };
    ci: CiContext | null;
    evidence: PredicateEvidence[];
  };
}

/** Builds the statement from a receipt's lines and summary. */
export function evidenceStatement(input: {
  entries: ReceiptEntry[];
  summary: ReceiptSummary;
  receipt: { name: string; sha256: string } | null;
  toolVersion: string;
  ci: CiContext | null;
}): EvidenceStatement {
  const { entries, summary } = input;
  // One subject per file: a file linked to several controls is one artefact.
  const subjects = new Map<string, { name: string; digest: { sha256: string } }>();
  for (const e of entries) {
    const key = `${e.path}\u0000${e.sha256}`;
    if (!subjects.has(key)) subjects.set(key, { name: e.path, digest: { sha256: e.sha256 } });
  }
  return {
    _type: STATEMENT_TYPE,
    subject: [...subjects.values()],
    predicateType: PREDICATE_TYPE,
    predicate: {
      tool: { name: "grc", version: input.toolVersion },
      base_url: summary.base_url,
      org_id: summary.org_id,
      started_at: summary.started_at,
      finished_at: summary.finished_at,
      receipt: input.receipt ? { ...input.receipt, version: summary.version } : null,
      counts: {
        linked: summary.linked,
        skipped: summary.skipped,
        failed: summary.failed,
        interrupted: summary.interrupted,
      },
      ci: input.ci,
      evidence: entries.map((e) => ({
        path: e.path,
        sha256: e.sha256,
        size: e.size,
        content_type: e.content_type,
        object_key: e.object_key,
        evidence_id: e.evidence_id,
        lineage_id: e.lineage_id,
        control_id: e.control_id,
        framework_id: e.framework_id,
        assessment_id: e.assessment_id,
        created: e.created,
        verified: e.verified,
        verified_at: e.times.verified_at,
        uploaded_at: e.times.uploaded_at,
        linked_at: e.times.linked_at,
      })),
    },
  };
}
