/**
 * Evident's collections (seed 004): where each lives and how a name the user typed resolves.
 * The Sovereign evidence collection speaks the same JSON:API paging and filters, so it is one
 * more collection here, under Sovereign's own path (src/platforms/sovereign/paths.ts).
 */
import type { CollectionTarget } from "../../core/platform.js";
import { UsageError } from "../../errors.js";
import { evidencePaths } from "../sovereign/paths.js";

export type { CollectionTarget } from "../../core/platform.js";

/** Collections the seed documents (others are passed through; the server answers 404 if unknown). */
export const KNOWN_COLLECTIONS = [
  "alerts",
  "signatures",
  "suppressions",
  "external_accounts",
  "teams",
  "sub_organizations",
  "organizations",
  "regions",
  "tags",
  "users",
  "reports",
  "reports/<id>/alerts",
  "evidence",
] as const;

const TYPE = /^[a-z][a-z0-9_]*$/;
const ID = /^[A-Za-z0-9_.:-]+$/;

function evidenceBase(orgId: string | undefined): string {
  if (!orgId) {
    throw new UsageError(
      "the evidence collection needs an organization",
      "pass --org, set GRC_ORG_ID or store org_id in the profile",
    );
  }
  return evidencePaths(orgId).collection;
}

/** Resolves `alerts`, `alerts.json`, `reports/<id>/alerts` or `evidence` to a path (exit 2 for anything else). */
export function collectionTarget(name: string, orgId?: string): CollectionTarget {
  const bare = name.replace(/^\/+|\/+$/g, "").replace(/\.json$/, "");
  if (bare === "evidence") {
    return { name, type: "evidence", path: evidenceBase(orgId), putSearch: false };
  }
  const report = /^reports\/([^/]+)\/alerts$/.exec(bare);
  if (report) {
    if (!ID.test(report[1]!)) throw new UsageError(`invalid report id "${report[1]}"`);
    return {
      name,
      type: "alerts",
      path: `/api/v2/reports/${report[1]}/alerts`,
      putSearch: false,
    };
  }
  if (!TYPE.test(bare)) {
    throw new UsageError(
      `unknown collection "${name}"`,
      `use one of: ${KNOWN_COLLECTIONS.join(", ")}`,
    );
  }
  return { name, type: bare, path: `/api/v2/${bare}`, putSearch: true };
}

/** Path of one resource: `/api/v2/alerts/1` (or the Sovereign `/api/v1/orgs/<org>/evidence/<id>`). */
export function resourcePath(type: string, id: string, orgId?: string): string {
  if (!ID.test(id)) {
    throw new UsageError(`invalid id "${id}"`, "ids are letters, digits, dots, dashes and colons");
  }
  const target = collectionTarget(type, orgId);
  return `${target.path}/${encodeURIComponent(id)}`;
}
