import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/faults/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    env: { NO_COLOR: "1" },
    // One dot per test on CI, one line per file on a terminal; failures are printed in full
    // either way. Console output of passing tests is dropped, that of failing tests is kept.
    reporters: process.env.CI ? ["dot"] : ["default"],
    // Only tests slower than this get a line of their own (e2e tests take about a second).
    slowTestThreshold: 10_000,
    silent: "passed-only",
  },
});
