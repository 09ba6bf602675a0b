import { afterEach, describe, expect, it } from "vitest";
import { tempConfigDir } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

if (!HAS_TMUX) console.warn(NO_TMUX);

describe.runIf(HAS_TMUX)("grc auth status in a real terminal and over pipes", () => {
  const mock = withMock();
  let term: TmuxTerminal | undefined;
  afterEach(() => term?.kill());

  for (const size of SIZES) {
    it(`at ${size.columns}x${size.rows} a person sees what a pipe gets, with the check`, async () => {
      const env = {
        GRC_CONFIG_DIR: tempConfigDir(),
        GRC_PLATFORM: "strata",
        GRC_BASE_URL: mock.baseUrl,
        GRC_SESSION: mock.identity.session,
      };
      term = new TmuxTerminal(["auth", "status"], { ...size, env }).start();
      const { code } = await term.exited();
      expect(code).toBe(0);
      const piped = await runWithoutTty(["auth", "status"], { columns: size.columns, env });
      expect(piped.code).toBe(0);
      expect(piped.stderr).toBe("");
      expect(piped.stdout).toMatch(
        /\ncheck {12}ok: the session works \(user \S+, role \S+\) in organization .+\n$/,
      );
      // The TTY adds nothing (no colour under NO_COLOR, no spinner) and cuts nothing: long rows
      // wrap at 60 columns and join back to the piped text.
      expect(term.history().trimEnd()).toBe(piped.stdout.trimEnd());
      expect(term.history()).not.toContain(mock.identity.session);
    });
  }
});
