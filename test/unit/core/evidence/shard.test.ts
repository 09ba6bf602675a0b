import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatShard,
  parseShard,
  selectShard,
  shardKey,
  shardOfKey,
  shardStatePath,
} from "../../../../src/core/evidence/shard.js";
import { UsageError } from "../../../../src/errors.js";

describe("shardOfKey", () => {
  it("is 1 + the first 4 bytes of SHA-256(key) mod n, as sha256sum and bash compute it", () => {
    // The formula docs/ci.md documents, worked out by coreutils and bash, not by grc.
    const keys = ["a.csv", "exports/iam/users.csv", "日本語/ファイル.pdf", "x y/z", "0"];
    for (const key of keys) {
      for (const n of [2, 3, 4, 7]) {
        const expected = Number(
          execFileSync(
            "bash",
            [
              "-c",
              'h=$(printf %s "$1" | sha256sum | cut -c1-8); echo $(( 16#$h % $2 + 1 ))',
              "bash",
              key,
              String(n),
            ],
            { encoding: "utf8" },
          ).trim(),
        );
        expect(shardOfKey(key, n), `${key} of ${n}`).toBe(expected);
      }
    }
  });
});

describe("selectShard", () => {
  it("n shards are disjoint and together hold every file, in the input order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 9 }),
        (names, n) => {
          const files = names.map((name, i) => ({
            absPath: `/corpus/${i}-${name}`,
            ruleBase: "/corpus",
            i,
          }));
          const parts = Array.from({ length: n }, (_, k) =>
            selectShard(files, { index: k + 1, count: n }, "/elsewhere"),
          );
          const all = parts
            .flat()
            .map((f) => f.i)
            .sort((a, b) => a - b);
          expect(all).toEqual(files.map((f) => f.i));
          for (const part of parts) {
            const order = part.map((f) => f.i);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
        },
      ),
    );
  });

  it("hashes the path relative to the rule's folder: the same layout splits the same anywhere", () => {
    const rel = ["a.csv", "b/c.pdf", "b/d/e.json", "f.txt", "g.png", "h/i.csv"];
    const here = rel.map((r) => ({ absPath: `/srv/evidence/${r}`, ruleBase: "/srv/evidence" }));
    const there = rel.map((r) => ({ absPath: `/mnt/x/y/${r}`, ruleBase: "/mnt/x/y" }));
    for (let k = 1; k <= 3; k++) {
      const a = selectShard(here, { index: k, count: 3 }, "/").map((f) => f.absPath.slice(14));
      const b = selectShard(there, { index: k, count: 3 }, "/").map((f) => f.absPath.slice(9));
      expect(a).toEqual(b);
    }
    // A file without a rule folder is keyed relative to the fallback (the working directory).
    expect(shardKey("/srv/evidence/b/c.pdf", "/srv/evidence")).toBe("b/c.pdf");
    expect(shardKey("/srv/other/x.csv", "/srv/evidence")).toBe("../other/x.csv");
  });
});

describe("parseShard", () => {
  it("reads i/n (1-based) and auto from GitLab's and Kubernetes' variables", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    expect(parseShard(" 1/1 ")).toEqual({ index: 1, count: 1 });
    expect(parseShard("auto", { CI_NODE_INDEX: "3", CI_NODE_TOTAL: "5" })).toEqual({
      index: 3,
      count: 5,
    });
    expect(parseShard("auto/4", { JOB_COMPLETION_INDEX: "0" })).toEqual({ index: 1, count: 4 });
    expect(parseShard("auto/4", { JOB_COMPLETION_INDEX: "3" })).toEqual({ index: 4, count: 4 });
    expect(formatShard({ index: 2, count: 4 })).toBe("2/4");
  });

  it.each([
    ["0/4", /--shard "0\/4": the shard number must be from 1 to 4 \(shards count from 1\)/],
    ["5/4", /the shard number must be from 1 to 4/],
    ["1/0", /the number of shards must be from 1 to 10000/],
    ["2", /--shard "2" is not i\/n/],
    ["a/b", /is not i\/n/],
    ["-1/4", /is not i\/n/],
    ["1.5/4", /is not i\/n/],
    ["auto", /found neither CI_NODE_INDEX\/CI_NODE_TOTAL/],
    ["auto/x", /not a number/],
  ])("refuses %s with one line", (text, message) => {
    let error: unknown;
    try {
      parseShard(text, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).line()).toMatch(message);
    expect((error as UsageError).line()).not.toContain("\n");
  });

  it("refuses auto with a Kubernetes index but no count, and a count that contradicts GitLab's", () => {
    expect(() => parseShard("auto", { JOB_COMPLETION_INDEX: "1" })).toThrow(
      /the number of shards is not/,
    );
    expect(() => parseShard("auto/3", { CI_NODE_INDEX: "1", CI_NODE_TOTAL: "4" })).toThrow(
      /disagrees with CI_NODE_TOTAL=4/,
    );
    expect(() => parseShard("auto", { CI_NODE_INDEX: "5", CI_NODE_TOTAL: "4" })).toThrow(
      /must be from 1 to 4/,
    );
  });
});

describe("shardStatePath", () => {
  it("names each shard's state file beside the profile's default", () => {
    expect(shardStatePath("/c/state/default.json", { index: 2, count: 4 })).toBe(
      "/c/state/default.shard-2-of-4.json",
    );
    expect(shardStatePath("/c/state/default.json", { index: 1, count: 1 })).toBe(
      "/c/state/default.json",
    );
  });
});
