import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseEvidenceConfig, parseMapFile } from "../../../../src/core/evidence/map-file.js";
import { UsageError } from "../../../../src/errors.js";

/**
 * grc.yaml: the parser and the published JSON Schema (docs/grc.schema.json, checked here by
 * ajv, an independent JSON Schema implementation) must accept and refuse the same files.
 */
const schema = JSON.parse(
  readFileSync(new URL("../../../../docs/grc.schema.json", import.meta.url), "utf8"),
);
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const VALID: [string, string][] = [
  ["a bare rule list (the old --map format)", "- paths: [ev]\n  control: CC6.1\n"],
  [
    "rules with control_id aliases",
    "rules:\n  - globs: '*.pdf'\n    control_id: CC1.1\n    framework_id: SOC2\n",
  ],
  [
    "a rule mapped to two frameworks",
    [
      "version: 1",
      "rules:",
      "  - paths: [exports/iam]",
      "    controls:",
      "      - { control: CC6.1, framework: SOC2 }",
      "      - { control: A.9.2, framework: ISO27001, assessment: 2024-Q3 }",
    ].join("\n"),
  ],
  [
    "snapshots only",
    [
      "snapshots:",
      "  - name: open-alerts",
      "    query: { collection: alerts, filters: [status_eq=fail], sort: ['risk_level:desc'], include: [external_account], limit: 500 }",
      "    control: CC7.1",
      "  - name: strata.risks",
      "    profile: strata",
      "    strata: { module: risks, filters: { status: Open } }",
      "    controls: [{ control: CC3.2, framework: SOC2 }]",
    ].join("\n"),
  ],
];

const INVALID: [string, string, RegExp][] = [
  ["no rules", "{}", /^map file grc\.yaml has no rules/],
  [
    "unknown top-level key",
    "rules: [{paths: [a], control: C}]\nextra: 1",
    /unknown top-level key "extra"/,
  ],
  ["wrong version", "version: 2\nrules: [{paths: [a], control: C}]", /version must be 1/],
  ["a rule without control", "rules:\n  - paths: [a]", /rule 1 has no control/],
  [
    "control and controls together",
    "rules:\n  - paths: [a]\n    control: C\n    controls: [{control: D}]",
    /rule 1 has both controls and control/,
  ],
  [
    "an empty controls list",
    "rules:\n  - paths: [a]\n    controls: []",
    /rule 1 controls must be a non-empty list/,
  ],
  [
    "a control item without control",
    "rules:\n  - paths: [a]\n    controls:\n      - { control: CC6.1 }\n      - { framework: SOC2 }",
    /rule 1 controls\[2\] has no control/,
  ],
  [
    "a numeric framework",
    "rules:\n  - paths: [a]\n    controls:\n      - { control: CC6.1, framework: 2 }",
    /rule 1 controls\[1\] framework must be quoted text \(YAML read it as the number 2\)/,
  ],
  [
    "an unknown key in a control item",
    "rules:\n  - paths: [a]\n    controls:\n      - { control: CC6.1, frameworks: SOC2 }",
    /rule 1 controls\[1\] has an unknown key "frameworks"/,
  ],
  [
    "a snapshot without name",
    "snapshots:\n  - query: {collection: alerts}\n    control: C",
    /snapshot 1 has no name/,
  ],
  [
    "a snapshot name with a slash",
    "snapshots:\n  - name: ../x\n    query: {collection: alerts}\n    control: C",
    /snapshot 1 name "\.\.\/x" must be/,
  ],
  [
    "two snapshots of one name",
    "snapshots:\n  - {name: a, query: {collection: alerts}, control: C}\n  - {name: a, query: {collection: teams}, control: C}",
    /snapshot 2 name "a" is used twice/,
  ],
  [
    "a snapshot with query and strata",
    "snapshots:\n  - {name: a, query: {collection: alerts}, strata: {module: risks}, control: C}",
    /snapshot 1 needs exactly one of query or strata/,
  ],
  [
    "a query without collection",
    "snapshots:\n  - {name: a, query: {filters: [x_eq=1]}, control: C}",
    /snapshot 1 query has no collection/,
  ],
  [
    "a query with an unknown key",
    "snapshots:\n  - {name: a, query: {collection: alerts, filter: [x_eq=1]}, control: C}",
    /snapshot 1 query has an unknown key "filter"/,
  ],
  [
    "a zero limit",
    "snapshots:\n  - {name: a, query: {collection: alerts, limit: 0}, control: C}",
    /snapshot 1 query\.limit must be a whole number/,
  ],
  [
    "a strata filter that is a list",
    "snapshots:\n  - {name: a, strata: {module: risks, filters: {status: [Open]}}, control: C}",
    /snapshot 1 strata\.filters\.status must be text or a number/,
  ],
];

describe("grc.yaml", () => {
  it.each(VALID)("accepts %s (parser and schema)", (_what, text) => {
    expect(() => parseEvidenceConfig(text, "grc.yaml", "/repo")).not.toThrow();
    expect(validate(parseYaml(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(INVALID)(
    "refuses %s with one line naming file, entry and field (schema too)",
    (_what, text, message) => {
      let err: unknown;
      try {
        parseEvidenceConfig(text, "grc.yaml", "/repo");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toMatch(message);
      expect((err as UsageError).line()).not.toContain("\n");
      expect((err as UsageError).exitCode).toBe(2);
      // JSON Schema cannot say "names are unique across items": only the parser checks that.
      if (!/used twice/.test(message.source)) expect(validate(parseYaml(text))).toBe(false);
    },
  );

  it("expands a rule with several controls into one rule per control", () => {
    const { rules } = parseEvidenceConfig(VALID[2]![1], "grc.yaml", "/repo");
    expect(rules).toEqual([
      {
        paths: ["exports/iam"],
        baseDir: "/repo",
        origin: "grc.yaml rule 1",
        target: { control_id: "CC6.1", framework_id: "SOC2", assessment_id: undefined },
      },
      {
        paths: ["exports/iam"],
        baseDir: "/repo",
        origin: "grc.yaml rule 1",
        target: { control_id: "A.9.2", framework_id: "ISO27001", assessment_id: "2024-Q3" },
      },
    ]);
  });

  it("reads snapshot queries as written", () => {
    const { snapshots } = parseEvidenceConfig(VALID[3]![1], "grc.yaml", "/repo");
    expect(snapshots).toEqual([
      {
        name: "open-alerts",
        origin: "grc.yaml snapshot 1",
        profile: undefined,
        query: {
          kind: "jsonapi",
          collection: "alerts",
          filters: ["status_eq=fail"],
          any: false,
          sort: ["risk_level:desc"],
          include: ["external_account"],
          limit: 500,
        },
        targets: [{ control_id: "CC7.1", framework_id: undefined, assessment_id: undefined }],
      },
      {
        name: "strata.risks",
        origin: "grc.yaml snapshot 2",
        profile: "strata",
        query: { kind: "strata", module: "risks", filters: { status: "Open" } },
        targets: [{ control_id: "CC3.2", framework_id: "SOC2", assessment_id: undefined }],
      },
    ]);
  });

  it("push --map refuses a file with snapshots instead of skipping them silently", () => {
    expect(() => parseMapFile(VALID[3]![1], "grc.yaml", "/repo")).toThrow(
      /map file grc\.yaml has snapshots, which `grc evidence push` does not take/,
    );
  });
});
