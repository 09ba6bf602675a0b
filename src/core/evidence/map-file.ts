import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../errors.js";
import type { DiscoveryRule, PushTarget } from "./discovery.js";

/**
 * A map file (`--map`, and the checked-in `grc.yaml` of `grc evidence plan|apply`) sends many
 * folders to many controls in one run, and names query snapshots taken as evidence:
 *
 *   rules:
 *     - paths: [exports/iam, "exports/logs/*.csv"]
 *       control: CC6.1
 *       framework: SOC2
 *     - globs: "policies/**\/*.pdf"
 *       controls:
 *         - { control: CC1.1, framework: SOC2 }
 *         - { control: A.5.1, framework: ISO27001, assessment: 2024-Q3 }
 *   snapshots:
 *     - name: open-high-alerts
 *       query: { collection: alerts, filters: [status_eq=fail, risk_level_eq=high] }
 *       control: CC7.1
 *     - name: open-risks
 *       strata: { module: risks, filters: { status: Open } }
 *       control: CC3.2
 *
 * YAML or JSON (JSON is YAML, so one parser reads both); the top level may also be the rule
 * list itself. Relative paths resolve against the map file's folder, so the file works from
 * any working directory. docs/grc.schema.json states the same rules for editors.
 */

/** A JSON:API collection query (the flags of `grc list <collection>`), every page. */
export interface JsonApiSnapshotQuery {
  kind: "jsonapi";
  collection: string;
  /** `--filter` expressions (`status_eq=fail`). */
  filters: string[];
  any: boolean;
  /** `--sort` terms (`risk_level:desc`). */
  sort: string[];
  include: string[];
  /** Stop after this many records (default: every page). */
  limit?: number | undefined;
}

/** A StrataGRC module list (`grc strata <module> list --all` with its filters). */
export interface StrataSnapshotQuery {
  kind: "strata";
  module: string;
  filters: Record<string, string | number>;
}

/** One `snapshots:` entry: a query whose result is evidence for its controls. */
export interface SnapshotSpec {
  /** File name stem of the snapshot (unique in the file). */
  name: string;
  /** Where it came from, for messages ("grc.yaml snapshot 1"). */
  origin: string;
  /** Profile the query runs with (default: the command's profile). */
  profile?: string | undefined;
  query: JsonApiSnapshotQuery | StrataSnapshotQuery;
  targets: PushTarget[];
}

/** A whole evidence-as-code file. */
export interface EvidenceConfig {
  /** As the user named it. */
  label: string;
  /** Absolute path. */
  path: string;
  /** SHA-256 of the file's bytes (recorded in saved plans). */
  sha256: string;
  baseDir: string;
  rules: DiscoveryRule[];
  snapshots: SnapshotSpec[];
}

/** Reads a map file for `grc evidence push --map` (rules only). */
export async function loadMapFile(file: string, cwd: string): Promise<DiscoveryRule[]> {
  const { text, abs } = await readMap(file, cwd);
  return parseMapFile(text, file, dirname(abs));
}

/** Reads `grc.yaml` (rules and snapshots) for plan and apply. */
export async function loadEvidenceConfig(file: string, cwd: string): Promise<EvidenceConfig> {
  const { text, abs } = await readMap(file, cwd);
  const parsed = parseEvidenceConfig(text, file, dirname(abs));
  return {
    label: file,
    path: abs,
    sha256: createHash("sha256").update(text).digest("hex"),
    baseDir: dirname(abs),
    ...parsed,
  };
}

async function readMap(file: string, cwd: string): Promise<{ text: string; abs: string }> {
  const abs = resolve(cwd, file);
  try {
    return { text: await readFile(abs, "utf8"), abs };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `map file not found: ${file}` : `cannot read map file ${file}: ${code}`,
      "pass a readable YAML or JSON file",
    );
  }
}

/** Parses map file text into discovery rules; a file with snapshots is refused (push takes none). */
export function parseMapFile(text: string, label: string, baseDir: string): DiscoveryRule[] {
  const { rules, snapshots } = parseEvidenceConfig(text, label, baseDir);
  if (snapshots.length > 0) {
    throw new UsageError(
      `map file ${label} has snapshots, which \`grc evidence push\` does not take`,
      `run \`grc evidence apply --config ${label}\` to push its rules and snapshots`,
    );
  }
  return rules;
}

const TOP_KEYS = new Set(["version", "rules", "snapshots"]);
const TARGET_KEYS = [
  "control",
  "control_id",
  "framework",
  "framework_id",
  "assessment",
  "assessment_id",
];
const RULE_KEYS = new Set(["paths", "globs", "controls", ...TARGET_KEYS]);
const SNAPSHOT_KEYS = new Set(["name", "profile", "query", "strata", "controls", ...TARGET_KEYS]);
const QUERY_KEYS = new Set(["collection", "filters", "any", "sort", "include", "limit"]);
const STRATA_KEYS = new Set(["module", "filters"]);
/** A snapshot name is a file name stem: no folders, no leading dot. */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const COLLECTION = /^[A-Za-z][A-Za-z0-9_]*(\/[0-9]+\/[A-Za-z][A-Za-z0-9_]*)?$/;

type Fail = (what: string) => UsageError;

/** Parses rules and snapshots; every mistake is one UsageError naming the file, entry and field. */
export function parseEvidenceConfig(
  text: string,
  label: string,
  baseDir: string,
): { rules: DiscoveryRule[]; snapshots: SnapshotSpec[] } {
  const fail: Fail = (what) =>
    new UsageError(
      `map file ${label} ${what}`,
      "each rule needs paths (or globs) and control (or controls); see docs/evidence-as-code.md",
    );
  let doc: unknown;
  try {
    doc = extname(label).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    // yaml's first line names the problem and its line/column; it ends with ":" before a snippet.
    const message = (err instanceof Error ? err.message : String(err))
      .split("\n")[0]!
      .replace(/:\s*$/, "");
    throw new UsageError(
      `map file ${label} does not parse: ${message}`,
      "fix the YAML/JSON syntax",
    );
  }
  let ruleList: unknown[] | undefined;
  let snapshotList: unknown[] = [];
  if (Array.isArray(doc)) {
    ruleList = doc;
  } else if (isObject(doc)) {
    const extra = Object.keys(doc).find((k) => !TOP_KEYS.has(k));
    if (extra !== undefined) throw fail(`has an unknown top-level key "${extra}"`);
    if (doc.version !== undefined && doc.version !== 1) {
      throw fail(`version must be 1 (got ${JSON.stringify(doc.version)})`);
    }
    if (doc.rules !== undefined && doc.rules !== null) {
      if (!Array.isArray(doc.rules)) throw fail("rules must be a list");
      ruleList = doc.rules;
    }
    if (doc.snapshots !== undefined && doc.snapshots !== null) {
      if (!Array.isArray(doc.snapshots)) throw fail("snapshots must be a list");
      snapshotList = doc.snapshots;
    }
  }
  if (!ruleList && snapshotList.length === 0) {
    throw fail("has no rules (expected a list, or an object with a `rules` or `snapshots` list)");
  }
  if (ruleList && ruleList.length === 0 && snapshotList.length === 0) {
    throw fail("has an empty rules list");
  }

  const rules = (ruleList ?? []).flatMap((raw: unknown, i: number) => {
    const where = `rule ${i + 1}`;
    if (!isObject(raw)) throw fail(`${where} is not a mapping`);
    const unknown = Object.keys(raw).find((k) => !RULE_KEYS.has(k));
    if (unknown) throw fail(`${where} has an unknown key "${unknown}"`);
    const paths = [
      ...stringList(raw.paths, `${where} paths`, fail),
      ...stringList(raw.globs, `${where} globs`, fail),
    ];
    if (paths.length === 0) throw fail(`${where} has no paths or globs`);
    return targetsOf(raw, where, fail).map((target) => ({
      paths,
      baseDir,
      origin: `${label} ${where}`,
      target,
    }));
  });

  const names = new Set<string>();
  const snapshots = snapshotList.map((raw: unknown, i: number): SnapshotSpec => {
    const where = `snapshot ${i + 1}`;
    if (!isObject(raw)) throw fail(`${where} is not a mapping`);
    const unknown = Object.keys(raw).find((k) => !SNAPSHOT_KEYS.has(k));
    if (unknown) throw fail(`${where} has an unknown key "${unknown}"`);
    const name = oneString(raw, ["name"], `${where} name`, fail);
    if (name === undefined) throw fail(`${where} has no name`);
    if (!SNAPSHOT_NAME.test(name)) {
      throw fail(
        `${where} name "${name}" must be letters, digits, ".", "_" or "-" (a file name, at most 100)`,
      );
    }
    if (names.has(name)) throw fail(`${where} name "${name}" is used twice`);
    names.add(name);
    const hasQuery = raw.query !== undefined && raw.query !== null;
    const hasStrata = raw.strata !== undefined && raw.strata !== null;
    if (hasQuery === hasStrata) throw fail(`${where} needs exactly one of query or strata`);
    const query = hasQuery
      ? jsonApiQuery(raw.query, `${where} query`, fail)
      : strataQuery(raw.strata, `${where} strata`, fail);
    return {
      name,
      origin: `${label} ${where}`,
      profile: oneString(raw, ["profile"], `${where} profile`, fail),
      query,
      targets: targetsOf(raw, where, fail),
    };
  });
  return { rules, snapshots };
}

/** The targets of a rule or snapshot: `control` (+framework, assessment) or a `controls` list. */
function targetsOf(raw: Record<string, unknown>, where: string, fail: Fail): PushTarget[] {
  const single = TARGET_KEYS.filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (raw.controls !== undefined && raw.controls !== null) {
    if (single.length > 0) {
      throw fail(
        `${where} has both controls and ${single[0]} (put framework and assessment in each controls item)`,
      );
    }
    if (!Array.isArray(raw.controls) || raw.controls.length === 0) {
      throw fail(`${where} controls must be a non-empty list`);
    }
    const seen = new Set<string>();
    return raw.controls.map((item: unknown, j: number) => {
      const at = `${where} controls[${j + 1}]`;
      if (!isObject(item)) throw fail(`${at} is not a mapping`);
      const extra = Object.keys(item).find((k) => !TARGET_KEYS.includes(k));
      if (extra) throw fail(`${at} has an unknown key "${extra}"`);
      const target = oneTarget(item, at, fail);
      const key = JSON.stringify([target.control_id, target.framework_id, target.assessment_id]);
      if (seen.has(key)) throw fail(`${at} repeats a control`);
      seen.add(key);
      return target;
    });
  }
  return [oneTarget(raw, where, fail)];
}

function oneTarget(raw: Record<string, unknown>, where: string, fail: Fail): PushTarget {
  const control = oneString(raw, ["control", "control_id"], `${where} control`, fail);
  if (control === undefined) throw fail(`${where} has no control`);
  return {
    control_id: control,
    framework_id: oneString(raw, ["framework", "framework_id"], `${where} framework`, fail),
    assessment_id: oneString(raw, ["assessment", "assessment_id"], `${where} assessment`, fail),
  };
}

function jsonApiQuery(raw: unknown, where: string, fail: Fail): JsonApiSnapshotQuery {
  if (!isObject(raw)) throw fail(`${where} is not a mapping`);
  const unknown = Object.keys(raw).find((k) => !QUERY_KEYS.has(k));
  if (unknown) throw fail(`${where} has an unknown key "${unknown}"`);
  const collection = oneString(raw, ["collection"], `${where}.collection`, fail);
  if (collection === undefined) throw fail(`${where} has no collection`);
  if (!COLLECTION.test(collection)) {
    throw fail(
      `${where}.collection "${collection}" is not a collection name (alerts, reports/12/alerts)`,
    );
  }
  if (raw.any !== undefined && raw.any !== null && typeof raw.any !== "boolean") {
    throw fail(`${where}.any must be true or false`);
  }
  let limit: number | undefined;
  if (raw.limit !== undefined && raw.limit !== null) {
    if (typeof raw.limit !== "number" || !Number.isSafeInteger(raw.limit) || raw.limit < 1) {
      throw fail(`${where}.limit must be a whole number of at least 1`);
    }
    limit = raw.limit;
  }
  return {
    kind: "jsonapi",
    collection,
    filters: stringList(raw.filters, `${where}.filters`, fail),
    any: raw.any === true,
    sort: stringList(raw.sort, `${where}.sort`, fail),
    include: stringList(raw.include, `${where}.include`, fail),
    ...(limit !== undefined ? { limit } : {}),
  };
}

function strataQuery(raw: unknown, where: string, fail: Fail): StrataSnapshotQuery {
  if (!isObject(raw)) throw fail(`${where} is not a mapping`);
  const unknown = Object.keys(raw).find((k) => !STRATA_KEYS.has(k));
  if (unknown) throw fail(`${where} has an unknown key "${unknown}"`);
  const module = oneString(raw, ["module"], `${where}.module`, fail);
  if (module === undefined) throw fail(`${where} has no module`);
  const filters: Record<string, string | number> = {};
  if (raw.filters !== undefined && raw.filters !== null) {
    if (!isObject(raw.filters)) throw fail(`${where}.filters must be a mapping`);
    for (const [key, value] of Object.entries(raw.filters)) {
      if (typeof value === "string" ? value.trim() === "" : typeof value !== "number") {
        throw fail(`${where}.filters.${key} must be text or a number`);
      }
      filters[key] = value as string | number;
    }
  }
  return { kind: "strata", module, filters };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, what: string, fail: Fail): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((item) => {
    if (typeof item !== "string" || item.trim() === "")
      throw fail(`${what} must be non-empty text`);
    return item;
  });
}

function oneString(
  raw: Record<string, unknown>,
  keys: string[],
  what: string,
  fail: Fail,
): string | undefined {
  const present = keys.filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (present.length > 1) throw fail(`${what} is given twice (${present.join(" and ")})`);
  const v = present.length ? raw[present[0]!] : undefined;
  if (v === undefined) return undefined;
  // YAML reads `control: 6.10` as the number 6.1: refuse rather than link to the wrong id.
  if (typeof v === "number")
    throw fail(`${what} must be quoted text (YAML read it as the number ${v})`);
  if (typeof v !== "string" || v.trim() === "") throw fail(`${what} must be non-empty text`);
  return v;
}
