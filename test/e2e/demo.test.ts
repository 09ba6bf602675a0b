import { describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";

describe("grc demo (npm run demo)", () => {
  it("pushes, skips on the rerun, verifies the receipt and lists alerts against the in-process mock", async () => {
    const r = await runGrc(["demo"], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^Mock platform on http:\/\/127\.0\.0\.1:\d+ \(storage http:\/\/127\.0\.0\.1:\d+\)/,
    );
    expect(r.stderr).toMatch(/^5 files: 5 linked · 22\.6 KiB in /m);
    expect(r.stderr).toMatch(/^5 files: 0 linked, 5 skipped \(unchanged\)/m);
    expect(r.stdout).toMatch(
      /^receipt \S+receipt\.ndjson is intact: 5 files \(22\.6 KiB\) linked/m,
    );
    // Five failing high-risk alerts, tab-separated (stdout is a pipe here).
    const alerts = r.stdout.split("\n").filter((l) => /^\d+\tfail\thigh\t/.test(l));
    expect(alerts).toHaveLength(5);
    expect(r.stderr).toMatch(/\nDone\. /);
  }, 120_000);
});
