import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { tempConfigDir } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

/**
 * `grc strata cases evidence upload` in a real terminal (tmux) at 60 and 160 columns: push's
 * renderer (a spinner with files and bytes, one totals line naming the case, no row per
 * file), and with --verbose one row per file that still names the file at 60 columns.
 */

if (!HAS_TMUX) console.warn(NO_TMUX);

const FILES = 60;

let root: string;
let evidence: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-term-case-"));
  evidence = join(root, "interviews", "2026", "november");
  mkdirSync(evidence, { recursive: true });
  for (let i = 1; i <= FILES; i += 1) {
    writeFileSync(join(evidence, `witness-${String(i).padStart(3, "0")}.txt`), `statement ${i}\n`);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TOTALS = new RegExp(
  `${FILES} files to case 6: ${FILES} uploaded( \\(${FILES} already on the case\\))? · [\\d.]+ \\S+ in `,
);

describe.runIf(HAS_TMUX)("case evidence upload in a real terminal and over pipes", () => {
  const mock = withMock({ platforms: ["strata"], latencyMs: 5 });
  let term: TmuxTerminal | undefined;
  afterEach(() => term?.kill());

  const env = () => ({
    GRC_BASE_URL: mock.baseUrl,
    GRC_SESSION: mock.identity.session,
    GRC_CONFIG_DIR: tempConfigDir(),
  });
  const args = () => ["strata", "cases", "evidence", "upload", "6", evidence, "--no-state"];

  for (const size of SIZES) {
    it(`at ${size.columns} columns: a spinner, then the totals; no per-file rows`, async () => {
      term = new TmuxTerminal(args(), { ...size, env: env() }).start();
      const screens: string[] = [];
      while (term.exitStatus() === undefined) {
        screens.push(term.screen());
        await new Promise((r) => setTimeout(r, 50));
      }
      const { code } = await term.exited();
      expect(code).toBe(0);
      const spinner = screens.flatMap((s) => s.split("\n")).filter((l) => /Uploading/.test(l));
      expect(spinner.length).toBeGreaterThan(0);
      for (const line of spinner) {
        expect(line.length).toBeLessThanOrEqual(size.columns);
        expect(line).toMatch(
          /^\S Uploading (files to case 6|\d+\/60 files( · [\d.]+ \S+ of [\d.]+ \S+)?( · [\d.]+ \S+\/s)?( · ETA \d[\dhms. ]*)?)$/,
        );
      }
      const seen = term.history();
      expect(seen).toMatch(TOTALS);
      expect(seen).not.toMatch(/witness-\d+\.txt/);

      const piped = await runWithoutTty(args(), { columns: size.columns, env: env() });
      expect(piped.code).toBe(0);
      expect(piped.stdout).toBe("");
      expect(piped.stderr).toMatch(TOTALS);
      expect(piped.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    }, 300_000);

    it(`at ${size.columns} columns --verbose: one row per file whose PATH names the file`, async () => {
      term = new TmuxTerminal([...args(), "--verbose"], { ...size, env: env() }).start();
      const { code } = await term.exited(240_000);
      expect(code).toBe(0);
      const seen = term.history();
      const rows = seen.split("\n").filter((l) => /^uploaded /.test(l));
      expect(rows).toHaveLength(FILES);
      for (const row of rows) {
        expect(row.length).toBeLessThanOrEqual(size.columns);
        expect(row).toMatch(/witness-\d{3}\.txt +[\d.]+ B\b/);
      }
      const header = seen.split("\n").find((l) => l.startsWith("STATUS"));
      if (size.columns === 60) expect(header).toMatch(/^STATUS +PATH +SIZE( +SHA256)?$/);
      else expect(header).toMatch(/^STATUS +PATH +SIZE +SHA256 +EVIDENCE ID$/);
      expect(seen).toMatch(TOTALS);
    }, 300_000);
  }
});
