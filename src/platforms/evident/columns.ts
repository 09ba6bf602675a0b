import type { ColumnStyle } from "../../output/resource-columns.js";

/**
 * How Evident's collections print in a table or CSV: the default columns per resource type,
 * the related resources those columns need (`include`), short headers, the field that names
 * an included resource, and the colours of status and risk. src/output knows no platform;
 * it renders whatever this module describes.
 */

/** A flattened JSON:API resource as the query commands print it. */
type Row = Record<string, unknown>;

/**
 * Default table columns per resource type, in order; those the data lacks are skipped. A
 * relationship column (signature, external_account, region) shows the related resource's
 * name when it is included (DEFAULT_INCLUDES), its id otherwise (`--columns` without
 * `--include`).
 */
export const DEFAULT_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  alerts: [
    "id",
    "status",
    "risk_level",
    "signature",
    "external_account",
    "region",
    "resource",
    "created_at",
  ],
  signatures: ["id", "identifier", "name", "risk_level", "service", "created_at"],
  suppressions: ["id", "status", "reason", "resource", "created_by", "created_at"],
  external_accounts: ["id", "name", "provider", "team", "created_at"],
  teams: ["id", "name", "sub_organization", "created_at"],
  sub_organizations: ["id", "name", "organization", "created_at"],
  organizations: ["id", "name", "created_at"],
  regions: ["id", "code", "name"],
  tags: ["id", "key", "value", "created_at"],
  users: ["id", "email", "first_name", "last_name", "created_at"],
  reports: ["id", "status", "team", "created_at"],
  evidence: ["id", "filename", "size", "content_type", "created_at"],
};

/**
 * Relationships each type's default columns show by name: asked for with `include` when the
 * user picked no columns of their own, so a table reads "Dev" and "us_east_1", not "5" and "3".
 * Only alerts for now: the document shows alerts' relationships being included; for other
 * types it does not say which relationships a server includes, and a 400 there would break a
 * plain `grc list`.
 */
export const DEFAULT_INCLUDES: Readonly<Record<string, readonly string[]>> = {
  alerts: ["signature", "external_account", "region"],
};

/** The `include` paths the default columns of `type` need (none for an unknown type). */
export function defaultIncludes(type: string): string[] {
  return [...(DEFAULT_INCLUDES[type] ?? [])];
}

/** The style of Evident's tables: short headers, labels of included resources, colours. */
export const EVIDENT_COLUMN_STYLE: ColumnStyle = {
  headers: {
    risk_level: "risk",
    external_account: "account",
    created_at: "created",
    updated_at: "updated",
    content_type: "type",
  },
  // A region reads best as its code (us_east_1); other resources by name, identifier or email.
  labels: { regions: ["code", "name"], users: ["email"] },
  // A narrow terminal (60 columns) leaves these out, in this order, before it wraps rows; the
  // signature and the resource are what tell two alerts apart.
  dropOrder: ["region", "created_at", "external_account", "risk_level"],
  // Status: fail red, warn yellow, pass green, error magenta, info cyan. Risk: high red,
  // medium yellow, low green.
  colours: {
    status: { pass: "green", fail: "red", warn: "yellow", error: "magenta", info: "cyan" },
    risk_level: { high: "red", medium: "yellow", low: "green" },
  },
};

/** The column keys for a type: its defaults the sample row has, or id plus the sample's first attributes. */
export function defaultColumnKeys(type: string, sample: Row | undefined): string[] {
  const preferred = DEFAULT_COLUMNS[type];
  if (preferred) {
    const present = sample ? preferred.filter((k) => k in sample) : [...preferred];
    if (present.length > 1) return present;
  }
  if (!sample) return ["id"];
  return ["id", ...Object.keys(sample).filter((k) => k !== "id" && k !== "type")].slice(0, 6);
}

/**
 * The values `--status` and `--risk` take per collection. The document's alert example
 * shows `"status": "pass"`; the full lists are Evident's (pass, fail, warn, error, info;
 * low, medium, high), written down in docs/queries.md. A server answers any other value
 * with an empty list, so grc refuses it before sending.
 */
export const QUICK_FILTER_VALUES: Readonly<
  Record<string, { status?: readonly string[]; risk?: readonly string[] }>
> = {
  alerts: {
    status: ["pass", "fail", "warn", "error", "info"],
    risk: ["low", "medium", "high"],
  },
  signatures: { risk: ["low", "medium", "high"] },
};

/**
 * Searchable fields per collection, for the line after a 422 "Invalid search term": the
 * attributes the document shows for the type plus its relationships (a condition on a
 * relationship appends its name: `external_account_name_eq`). Used only to help; the
 * server stays the judge of what it accepts.
 */
export const SEARCHABLE_FIELDS: Readonly<
  Record<string, { attributes: readonly string[]; relationships: readonly string[] }>
> = {
  alerts: {
    attributes: [
      "id",
      "status",
      "risk_level",
      "resource",
      "created_at",
      "updated_at",
      "started_at",
      "ended_at",
    ],
    relationships: ["external_account", "region", "signature", "suppression", "tags"],
  },
  signatures: {
    attributes: ["id", "name", "identifier", "risk_level", "created_at", "updated_at"],
    relationships: [],
  },
  suppressions: {
    attributes: ["id", "status", "reason", "resource", "created_at", "updated_at"],
    relationships: ["created_by", "regions", "external_accounts", "signatures"],
  },
  external_accounts: {
    attributes: ["id", "name", "created_at", "updated_at"],
    relationships: ["team"],
  },
  teams: {
    attributes: ["id", "name", "created_at", "updated_at"],
    relationships: ["sub_organization", "external_accounts"],
  },
};

/**
 * The line that follows a 422 "Invalid search term <term>": the fields that can be searched
 * on this collection, with a did-you-mean when the term is a near miss of one. Undefined for
 * a collection the document does not describe.
 */
export function searchableFieldsLine(
  type: string,
  suggest: (typed: string, choices: readonly string[]) => string | undefined,
  term?: { attribute: string; predicate: string },
): string | undefined {
  const fields = SEARCHABLE_FIELDS[type];
  if (!fields) return undefined;
  const related = fields.relationships.map((r) => `${r}_<field>`);
  let mean = "";
  if (term) {
    const near = suggest(term.attribute, fields.attributes);
    if (near && near !== term.attribute) mean = `did you mean ${near}_${term.predicate}? `;
  }
  return `${mean}searchable fields of ${type}: ${[...fields.attributes, ...related].join(", ")}`;
}
