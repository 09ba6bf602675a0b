import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFiles } from "../../helpers/files.js";

// bin/grc.js loads dist/ with its own CommonJS loader (no node module resolution for the
// bundle's relative requires). What node's loader would do is the expected value here.
const { loadBundle } = createRequire(import.meta.url)("../../../bin/grc.js") as {
  loadBundle(entry: string): Record<string, unknown>;
};

/** Writes files (path -> source) into a fresh folder and returns it. */
function bundle(files: Record<string, string>): string {
  return writeFiles(mkdtempSync(join(tmpdir(), "grc-load-bundle-")), files);
}

describe("loadBundle (bin/grc.js)", () => {
  it("runs a file required from two others once: both get the same exports", () => {
    const dir = bundle({
      "grc.js": `const a = require("./chunks/a.js"); const b = require("./chunks/b.js");
        module.exports = { same: a.shared === b.shared, runs: a.shared.runs };`,
      "chunks/a.js": `exports.shared = require("./shared.js");`,
      "chunks/b.js": `exports.shared = require("./shared.js");`,
      "chunks/shared.js": `globalThis.__grcSharedRuns = (globalThis.__grcSharedRuns ?? 0) + 1;
        exports.runs = globalThis.__grcSharedRuns;`,
    });
    const out = loadBundle(join(dir, "grc.js"));
    expect(out).toEqual({ same: true, runs: 1 });
  });

  it("hands a cycle the exports so far, as node does", () => {
    const files = {
      "grc.js": `exports.early = "a"; const b = require("./b.js"); exports.late = "z";
        exports.seenByB = b.seen;`,
      "b.js": `const a = require("./grc.js"); exports.seen = Object.keys(a).join();`,
    };
    const ours = loadBundle(join(bundle(files), "grc.js"));
    const nodes = createRequire(import.meta.url)(join(bundle(files), "grc.js"));
    expect(ours).toEqual(nodes);
    expect(ours.seenByB).toBe("early");
  });

  it("passes the CommonJS wrapper's values: this, module, __filename, __dirname", () => {
    const dir = bundle({
      "grc.js": `module.exports = { self: this === exports, file: __filename, dir: __dirname,
        id: module.id, loaded: module.loaded };`,
    });
    expect(loadBundle(join(dir, "grc.js"))).toEqual({
      self: true,
      file: join(dir, "grc.js"),
      dir,
      id: join(dir, "grc.js"),
      loaded: false,
    });
  });

  it("leaves built-in modules and packages to node's require", () => {
    const dir = bundle({
      "grc.js": `module.exports = { path: require("node:path"),
        keyring: require("@napi-rs/keyring/package.json").name };`,
    });
    const out = loadBundle(join(dir, "grc.js"));
    expect(out.path).toBe(createRequire(import.meta.url)("node:path"));
    // A package of `dependencies`, found from bin/ (a bundle in tmpdir has no node_modules).
    expect(out.keyring).toBe("@napi-rs/keyring");
  });

  it("names the file of a syntax error, and tries that file again on the next require", () => {
    const dir = bundle({
      "grc.js": `let first; try { require("./bad.js"); } catch (e) { first = e; }
        require("fs").writeFileSync(__dirname + "/bad.js", "exports.ok = true;");
        module.exports = { first: first.name, stack: first.stack, second: require("./bad.js") };`,
      "bad.js": "exports.ok = ;",
    });
    const out = loadBundle(join(dir, "grc.js")) as {
      first: string;
      stack: string;
      second: unknown;
    };
    expect(out.first).toBe("SyntaxError");
    expect(out.stack).toContain(join(dir, "bad.js"));
    expect(out.second).toEqual({ ok: true });
  });

  it("throws what a file throws, and a stack trace names that file", () => {
    const dir = bundle({
      "grc.js": `require("./boom.js");`,
      "boom.js": `throw new Error("boom");`,
    });
    let caught: Error | undefined;
    try {
      loadBundle(join(dir, "grc.js"));
    } catch (err) {
      caught = err as Error;
    }
    expect(caught?.message).toBe("boom");
    expect(caught?.stack).toContain(join(dir, "boom.js"));
  });
});
