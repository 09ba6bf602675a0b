import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempConfigDir } from "../helpers/cli.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

if (!HAS_TMUX) console.warn(NO_TMUX);

describe.runIf(HAS_TMUX)("grc auth login's picker in a real terminal (tmux)", () => {
  let term: TmuxTerminal | undefined;
  afterEach(() => term?.kill());

  for (const size of SIZES) {
    it(`Ctrl-C at ${size.columns}x${size.rows} clears the menu, says so in one line, exits 130`, async () => {
      const dir = tempConfigDir();
      term = new TmuxTerminal(["auth", "login"], { ...size, env: { GRC_CONFIG_DIR: dir } }).start();
      const menu = await term.waitFor("Sovereign GRC (Bearer sk- API key)");
      expect(menu).toContain("? Platform");
      expect(menu).toContain("StrataGRC (session cookie)");
      term.send("C-c");
      const { code, screen } = await term.exited();
      expect(code).toBe(130);
      expect(screen.trim()).toBe("grc: login cancelled; nothing was saved");
      expect(existsSync(join(dir, "config.json"))).toBe(false);
    });
  }

  it("an answered picker leaves one line naming the choice", async () => {
    const dir = tempConfigDir();
    term = new TmuxTerminal(["auth", "login"], {
      columns: 60,
      rows: 20,
      env: { GRC_CONFIG_DIR: dir },
    }).start();
    await term.waitFor("StrataGRC (session cookie)");
    term.send("Down");
    term.send("Enter");
    const screen = await term.waitFor("? Base URL");
    expect(screen).toContain("✔ Platform Evident (APIAuth HMAC key, or sk- API key)\n");
    expect(screen).not.toContain("StrataGRC (session cookie)");
    term.send("C-c");
    expect((await term.exited()).code).toBe(130);
  });
});

describe("grc auth login with the TTY off", () => {
  it("does not show the picker: one line naming the flags, exit 2", async () => {
    const r = await runWithoutTty(["auth", "login"], { columns: 60 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "grc: no credential given — pass --api-key-stdin, --hmac-key-id ID --hmac-secret-stdin, or --session-stdin (stdin is not a terminal, so grc cannot prompt)\n",
    );
  });
});
