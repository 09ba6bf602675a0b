import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tempConfigDir } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

/**
 * Issue 14's push, in a real terminal (tmux) at 60 and 160 columns and over pipes: 200 small
 * files, one larger file and one file over the server's max_size. What a person sees: the
 * totals line and the one failure, no row per file, no ETA in milliseconds, and with
 * --verbose a PATH that still names the file at 60 columns.
 */

if (!HAS_TMUX) console.warn(NO_TMUX);

const MAX_SIZE = 3 * 1024 * 1024;

let root: string;
let evidence: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-term-push-"));
  evidence = join(root, "ev");
  const reports = join(evidence, "reports", "2024", "q3");
  mkdirSync(reports, { recursive: true });
  for (let i = 1; i <= 200; i += 1) {
    writeFileSync(join(reports, `access-log-${String(i).padStart(3, "0")}.csv`), `row ${i}\n`);
  }
  writeFileSync(join(evidence, "export.bin"), Buffer.alloc(2 * 1024 * 1024, 7));
  writeFileSync(join(evidence, "too-big.bin"), Buffer.alloc(MAX_SIZE + 1, 1));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TOTALS =
  /202 files: 201 linked( \(201 already linked\))?, 1 failed · 2\.\d MiB in [\dhms. ]+ \(\S+ \S+\/s\)/;
const FAILURE = /^grc: failed \S*too-big\.bin: the file is 3\.0 MiB, larger than/m;

describe.runIf(HAS_TMUX)("grc evidence push in a real terminal and over pipes", () => {
  // Slow enough (each API answer waits 60 ms: the run lasts several seconds, even on a fast machine) for the spinner
  // to show rates and, after its first 2 s, an ETA.
  const mock = withMock({ platforms: ["sovereign"], maxSize: MAX_SIZE, latencyMs: 60 });
  let term: TmuxTerminal | undefined;
  afterEach(() => term?.kill());

  const env = () => ({ ...mock.env(), GRC_CONFIG_DIR: tempConfigDir() });
  const args = () => ["evidence", "push", evidence, "--control", "CC6.1", "--no-state"];

  for (const size of SIZES) {
    it(`at ${size.columns} columns: totals and the failure, no per-file rows, no silly ETA`, async () => {
      await mock.reset();
      term = new TmuxTerminal(args(), { ...size, env: env() }).start();
      // Every screen while it runs: the spinner line a person watches.
      const screens: string[] = [];
      while (term.exitStatus() === undefined) {
        screens.push(term.screen());
        await new Promise((r) => setTimeout(r, 50));
      }
      const { code } = await term.exited();
      expect(code).toBe(1);
      const spinner = screens.flatMap((s) => s.split("\n")).filter((l) => /Pushing/.test(l));
      expect(spinner.length).toBeGreaterThan(0);
      // One line, not wrapped: the whole text fits the width.
      for (const line of spinner) {
        expect(line.length).toBeLessThanOrEqual(size.columns);
        expect(line).toMatch(
          /^\S Pushing (files|\d+\/202 files( · [\d.]+ \S+ of [\d.]+ \S+)?( · [\d.]+ \S+\/s)?( · ETA \d[\dhms. ]*)?)$/,
        );
        expect(line).not.toMatch(/ETA \d+ms/);
      }
      // An ETA does show once there is signal (whole seconds or more).
      expect(
        spinner.some((l) => / · ETA \d+(\.\d)?s$| · ETA \d+m/.test(l)),
        `spinner lines seen:\n${[...new Set(spinner)].join("\n")}`,
      ).toBe(true);
      const seen = term.history();
      expect(seen).toMatch(TOTALS);
      expect(seen).toMatch(FAILURE);
      expect(seen.match(/too-big\.bin/g)).toHaveLength(1);
      expect(seen).not.toMatch(/access-log-\d+\.csv/);
      expect(seen).not.toMatch(/^(linked|STATUS)\b/m);

      const piped = await runWithoutTty(args(), { columns: size.columns, env: env() });
      expect(piped.code).toBe(1);
      expect(piped.stdout).toBe("");
      expect(piped.stderr).toMatch(FAILURE);
      expect(piped.stderr.split("\n").filter(Boolean)).toHaveLength(2);
      expect(piped.stderr).toMatch(TOTALS);
    }, 300_000);

    it(`at ${size.columns} columns --verbose: one row per file whose PATH names the file`, async () => {
      await mock.reset();
      term = new TmuxTerminal([...args(), "--verbose"], { ...size, env: env() }).start();
      const { code } = await term.exited(240_000);
      expect(code).toBe(1);
      const seen = term.history();
      const rows = seen.split("\n").filter((l) => /^linked /.test(l));
      expect(rows).toHaveLength(201);
      for (const row of rows) {
        expect(row.length).toBeLessThanOrEqual(size.columns);
        // The file name is whole on every row, so no two rows look alike.
        expect(row).toMatch(/(access-log-\d{3}\.csv|export\.bin) +[\d.]+ (B|KiB|MiB)\b/);
      }
      const header = seen.split("\n").find((l) => l.startsWith("STATUS"));
      if (size.columns === 60) expect(header).toMatch(/^STATUS +PATH +SIZE +CONTROL$/);
      else expect(header).toMatch(/^STATUS +PATH +SIZE +CONTROL +SHA256 +LINEAGE$/);
      expect(seen.match(/too-big\.bin: the file is/g)).toHaveLength(1);
    }, 300_000);
  }
});
