import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../../errors.js";
import type { DiscoveryRule } from "./discovery.js";

/**
 * A map file sends many folders to many controls in one run (cron jobs):
 *
 *   rules:
 *     - paths: [exports/iam, "exports/logs/*.csv"]
 *       control: CC6.1
 *       framework: SOC2
 *     - globs: "policies/**\/*.pdf"
 *       control: CC1.1
 *       assessment: 2024-Q3
 *
 * YAML or JSON (JSON is YAML, so one parser reads both); the top level may also be the list
 * itself. Relative paths resolve against the map file's folder, so the file works from any
 * working directory.
 */
export async function loadMapFile(file: string, cwd: string): Promise<DiscoveryRule[]> {
  const abs = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `map file not found: ${file}` : `cannot read map file ${file}: ${code}`,
      "pass --map with a readable YAML or JSON file",
    );
  }
  return parseMapFile(text, file, dirname(abs));
}

const RULE_KEYS = new Set([
  "paths",
  "globs",
  "control",
  "control_id",
  "framework",
  "framework_id",
  "assessment",
  "assessment_id",
]);

/** Parses map file text into discovery rules; every mistake is one UsageError line. */
export function parseMapFile(text: string, label: string, baseDir: string): DiscoveryRule[] {
  const fail = (what: string) =>
    new UsageError(
      `map file ${label} ${what}`,
      "each rule needs paths (or globs) and control; see `grc evidence push --help`",
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
  const list = Array.isArray(doc)
    ? doc
    : isObject(doc) && Array.isArray(doc.rules)
      ? doc.rules
      : undefined;
  if (!list) throw fail("has no rules (expected a list, or an object with a `rules` list)");
  if (isObject(doc)) {
    const extra = Object.keys(doc).filter((k) => k !== "rules");
    if (extra.length) throw fail(`has an unknown top-level key "${extra[0]}"`);
  }
  if (list.length === 0) throw fail("has an empty rules list");
  return list.map((raw: unknown, i: number) => {
    const where = `rule ${i + 1}`;
    if (!isObject(raw)) throw fail(`${where} is not a mapping`);
    const unknown = Object.keys(raw).find((k) => !RULE_KEYS.has(k));
    if (unknown) throw fail(`${where} has an unknown key "${unknown}"`);
    const paths = [
      ...stringList(raw.paths, `${where} paths`, fail),
      ...stringList(raw.globs, `${where} globs`, fail),
    ];
    if (paths.length === 0) throw fail(`${where} has no paths or globs`);
    const control = oneString(raw, ["control", "control_id"], `${where} control`, fail);
    if (control === undefined) throw fail(`${where} has no control`);
    return {
      paths,
      baseDir,
      origin: `${label} ${where}`,
      target: {
        control_id: control,
        framework_id: oneString(raw, ["framework", "framework_id"], `${where} framework`, fail),
        assessment_id: oneString(raw, ["assessment", "assessment_id"], `${where} assessment`, fail),
      },
    };
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, what: string, fail: (what: string) => UsageError): string[] {
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
  fail: (what: string) => UsageError,
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
