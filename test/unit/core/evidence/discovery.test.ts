import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contentTypeFor, isValidContentType } from "../../../../src/core/evidence/content-type.js";
import {
  type DiscoveryOptions,
  type DiscoveryRule,
  discoverFiles,
} from "../../../../src/core/evidence/discovery.js";
import { loadMapFile, parseMapFile } from "../../../../src/core/evidence/map-file.js";
import { UsageError } from "../../../../src/errors.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-disc-"));
  for (const f of [
    "ev/a.csv",
    "ev/b.pdf",
    "ev/sub/c.csv",
    "ev/sub/d.tmp",
    "ev/.hidden.csv",
    "ev/.git/config",
    "outside/o.csv",
  ]) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), f);
  }
  symlinkSync(join(dir, "outside"), join(dir, "ev", "linked-dir"));
  symlinkSync(join(dir, "outside", "o.csv"), join(dir, "ev", "linked-file.csv"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const target = { control_id: "CC6.1" };
function rule(paths: string[], control = "CC6.1"): DiscoveryRule {
  return { paths, baseDir: dir, target: { control_id: control } };
}
async function paths(rules: DiscoveryRule[], opts: Partial<DiscoveryOptions> = {}) {
  return (await discoverFiles(rules, { cwd: dir, ...opts })).map((f) => f.path);
}

describe("discoverFiles", () => {
  it("walks folders recursively, skipping hidden files and symlinked folders, keeping symlinked files", async () => {
    expect(await paths([rule(["ev"])])).toEqual([
      "ev/a.csv",
      "ev/b.pdf",
      "ev/linked-file.csv",
      "ev/sub/c.csv",
      "ev/sub/d.tmp",
    ]);
  });

  it("--hidden and --follow-symlinks widen the walk", async () => {
    const found = await paths([rule(["ev"])], { hidden: true, followSymlinks: true });
    expect(found).toContain("ev/.hidden.csv");
    expect(found).toContain("ev/.git/config");
    // outside/o.csv is reached twice (symlinked folder and symlinked file): pushed once.
    expect(found.filter((p) => p.includes("o.csv") || p.includes("linked"))).toEqual([
      "ev/linked-dir/o.csv",
    ]);
  });

  it("applies --include and --exclude (a pattern without / matches the file name)", async () => {
    expect(await paths([rule(["ev"])], { include: ["*.csv"] })).toEqual([
      "ev/a.csv",
      "ev/linked-file.csv",
      "ev/sub/c.csv",
    ]);
    expect(await paths([rule(["ev"])], { exclude: ["*.tmp", "sub/c.csv"] })).toEqual([
      "ev/a.csv",
      "ev/b.pdf",
      "ev/linked-file.csv",
    ]);
  });

  it("expands glob patterns and applies --exclude to them", async () => {
    expect(await paths([rule(["ev/**/*.csv"])])).toEqual([
      "ev/a.csv",
      "ev/linked-file.csv",
      "ev/sub/c.csv",
    ]);
    expect(await paths([rule(["ev/**/*.csv"])], { exclude: ["**/sub/**"] })).toEqual([
      "ev/a.csv",
      "ev/linked-file.csv",
    ]);
  });

  it("pushes each file once when several paths name it, and once per target", async () => {
    const files = await discoverFiles(
      [rule(["ev/a.csv", "ev", "ev/*.csv", join(dir, "ev", "a.csv")]), rule(["ev/a.csv"], "CC7.2")],
      { cwd: dir },
    );
    const a = files.filter((f) => f.path === "ev/a.csv");
    expect(a.map((f) => f.target.control_id)).toEqual(["CC6.1", "CC7.2"]);
    expect(files.filter((f) => f.realPath.endsWith("o.csv"))).toHaveLength(1);
    expect(a[0]).toMatchObject({ size: 8, absPath: join(dir, "ev/a.csv") });
  });

  it("gives each file its canonical path, whichever way its folder was named", async () => {
    // The real paths, as the kernel resolves them (the temporary folder may be a symlink).
    const real = (p: string) => realpathSync.native(join(dir, p));
    symlinkSync(join(dir, "ev"), join(dir, "ev-link"));
    const viaLink = await discoverFiles([rule(["ev-link"])], { cwd: dir });
    expect(viaLink.find((f) => f.path === "ev-link/sub/c.csv")?.realPath).toBe(
      real("ev/sub/c.csv"),
    );
    // A symlinked file is its target, in a plain walk and through --include alike.
    expect(viaLink.find((f) => f.path === "ev-link/linked-file.csv")?.realPath).toBe(
      real("outside/o.csv"),
    );
    const included = await discoverFiles([rule(["ev-link"])], { cwd: dir, include: ["*.csv"] });
    expect(included.map((f) => f.realPath).sort()).toEqual(
      [real("ev/a.csv"), real("ev/sub/c.csv"), real("outside/o.csv")].sort(),
    );
    // The same files named directly and through the link are pushed once.
    const both = await discoverFiles([rule(["ev", "ev-link"])], { cwd: dir });
    expect(both.filter((f) => f.realPath === real("ev/a.csv"))).toHaveLength(1);
  });

  it("finds names holding a line break, and files in folders whose name holds one", async () => {
    mkdirSync(join(dir, "odd", "dir\nname"), { recursive: true });
    writeFileSync(join(dir, "odd", "line\nbreak.txt"), "1");
    writeFileSync(join(dir, "odd", "carriage\rreturn.txt"), "2");
    writeFileSync(join(dir, "odd", "dir\nname", "in.txt"), "3");
    expect((await paths([rule(["odd"])])).sort()).toEqual(
      ["odd/carriage\rreturn.txt", "odd/dir\nname/in.txt", "odd/line\nbreak.txt"].sort(),
    );
  });

  it("always pushes a file named on its own, hidden or not", async () => {
    expect(await paths([rule(["ev/.hidden.csv"])], { include: ["*.pdf"] })).toEqual([
      "ev/.hidden.csv",
    ]);
  });

  it("shows paths outside the working folder as absolute", async () => {
    const files = await discoverFiles([rule(["outside/o.csv"])], { cwd: join(dir, "ev") });
    expect(files[0]!.path).toBe(join(dir, "outside/o.csv"));
  });

  it("rejects a missing path, an empty folder and a pattern that matches nothing", async () => {
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "empty", ".only-hidden"), "x");
    const missing = await discoverFiles([rule(["nope.csv"])], { cwd: dir }).catch((e) => e);
    expect(missing.line()).toBe(
      "path not found: nope.csv — check the path; quote glob patterns so the shell does not expand them",
    );
    expect(missing.exitCode).toBe(2);
    const err = await discoverFiles([rule(["empty"])], { cwd: dir }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.line()).toBe(
      "no files to push in folder empty — hidden files are skipped unless --hidden; symlinked folders unless --follow-symlinks",
    );
    await expect(discoverFiles([rule(["ev/*.xlsx"])], { cwd: dir })).rejects.toThrow(
      "no files match the pattern ev/*.xlsx",
    );
    await expect(
      discoverFiles([{ ...rule(["missing"]), origin: "map.yaml rule 2" }], { cwd: dir }),
    ).rejects.toThrow("path not found: missing (map.yaml rule 2)");
  });
});

describe("map files", () => {
  it("reads YAML rules relative to the map file's folder", async () => {
    writeFileSync(
      join(dir, "map.yaml"),
      [
        "rules:",
        "  - paths: [ev/a.csv, 'ev/sub/*.csv']",
        "    control: CC6.1",
        "    framework: SOC2",
        "  - globs: ev/*.pdf",
        "    control: CC7.2",
        "    assessment: 2024-Q3",
      ].join("\n"),
    );
    const rules = await loadMapFile("map.yaml", dir);
    expect(rules).toEqual([
      {
        paths: ["ev/a.csv", "ev/sub/*.csv"],
        baseDir: dir,
        origin: "map.yaml rule 1",
        target: { control_id: "CC6.1", framework_id: "SOC2", assessment_id: undefined },
      },
      {
        paths: ["ev/*.pdf"],
        baseDir: dir,
        origin: "map.yaml rule 2",
        target: { control_id: "CC7.2", framework_id: undefined, assessment_id: "2024-Q3" },
      },
    ]);
    const files = await discoverFiles(rules, { cwd: "/" });
    expect(files.map((f) => [f.realPath.slice(dir.length + 1), f.target.control_id])).toEqual([
      ["ev/a.csv", "CC6.1"],
      ["ev/sub/c.csv", "CC6.1"],
      ["ev/b.pdf", "CC7.2"],
    ]);
  });

  it("reads JSON, as a bare list too", () => {
    expect(
      parseMapFile('[{"paths":"x","control_id":"C1","framework_id":"F"}]', "m.json", "/base"),
    ).toEqual([
      {
        paths: ["x"],
        baseDir: "/base",
        origin: "m.json rule 1",
        target: { control_id: "C1", framework_id: "F", assessment_id: undefined },
      },
    ]);
  });

  it.each([
    ["rules: [", /^map file m\.yaml does not parse: /],
    ["{}", /^map file m\.yaml has no rules/],
    ["rules: []", /has an empty rules list/],
    ["rules:\n  - control: C1", /rule 1 has no paths or globs/],
    ["rules:\n  - paths: [a]", /rule 1 has no control/],
    [
      "rules:\n  - paths: [a]\n    control: C1\n    contrl: x",
      /rule 1 has an unknown key "contrl"/,
    ],
    [
      "rules:\n  - paths: [a]\n    control: 6.10",
      /control must be quoted text \(YAML read it as the number 6\.1\)/,
    ],
    ["rules:\n  - paths: [a, 3]\n    control: C1", /paths must be non-empty text/],
    ["rules:\n  - paths: [a]\n    control: C1\n    control_id: C2", /given twice/],
    ["rules: []\nextra: 1", /unknown top-level key "extra"/],
    ["- just text", /rule 1 is not a mapping/],
  ])("refuses %j with one clear line", (text, message) => {
    let err: unknown;
    try {
      parseMapFile(text, "m.yaml", "/");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).line()).not.toContain("\n");
  });

  it("names a missing map file", async () => {
    await expect(loadMapFile("nope.yaml", dir)).rejects.toThrow("map file not found: nope.yaml");
  });
});

describe("content types", () => {
  it("comes from the extension, case-insensitively, octet-stream otherwise", () => {
    expect(contentTypeFor("access_logs_2024.csv")).toBe("text/csv");
    expect(contentTypeFor("REPORT.PDF")).toBe("application/pdf");
    expect(contentTypeFor("x.json")).toBe("application/json");
    expect(contentTypeFor("Makefile")).toBe("application/octet-stream");
  });
  it("validates --content-type values", () => {
    expect(isValidContentType("text/csv")).toBe(true);
    expect(isValidContentType("text/plain; charset=utf-8")).toBe(true);
    expect(isValidContentType("text")).toBe(false);
    expect(isValidContentType("text/csv\r\nX-Evil: 1")).toBe(false);
  });
  it("keeps the target of a rule", () => {
    expect(rule(["a"]).target).toEqual(target);
  });
});
