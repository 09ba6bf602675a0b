import { createHash } from "node:crypto";
import { join } from "node:path";
import type { ReceiptEntry } from "../../src/core/evidence/receipt.js";

/** A receipt line for a file `name` in `dir` holding `content`, as a push would write it. */
export function receiptEntry(dir: string, name: string, content: string): ReceiptEntry {
  const hash = createHash("sha256").update(content).digest("hex");
  return {
    type: "evidence",
    path: name,
    abs_path: join(dir, name),
    size: Buffer.byteLength(content),
    sha256: hash,
    content_type: "text/plain",
    object_key: `orgs/o/evidence/1/${name}`,
    evidence_id: hash,
    lineage_id: `lin-${name}`,
    control_id: "CC6.1",
    framework_id: "SOC2",
    assessment_id: null,
    created: true,
    verified: true,
    base_url: "http://api.test",
    org_id: "org-1",
    times: {
      upload_url_at: "2026-01-01T00:00:00.000Z",
      uploaded_at: "2026-01-01T00:00:01.000Z",
      verified_at: "2026-01-01T00:00:02.000Z",
      linked_at: "2026-01-01T00:00:03.000Z",
    },
  };
}
