import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRC_BIN, tempConfigDir } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";

// util-linux `script` runs the CLI in a real pseudo-terminal, so stdin is a TTY and prompts appear.
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Strips cursor and colour sequences so prompt text can be matched. */
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");

/** A CLI run inside a pseudo-terminal, driven by writing keystrokes. */
class Terminal {
  private readonly child: ChildProcessWithoutNullStreams;
  private output = "";
  readonly exited: Promise<number>;
  constructor(args: string[], env: NodeJS.ProcessEnv) {
    const command = [process.execPath, GRC_BIN, ...args].map((a) => `'${a}'`).join(" ");
    this.child = spawn("script", ["-qfec", command, "/dev/null"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: "xterm", NO_COLOR: "1", ...env },
    });
    this.child.stdout.on("data", (chunk) => {
      this.output += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code ?? -1)));
  }
  /** Everything the terminal showed so far, without escape sequences. */
  get screen(): string {
    return plain(this.output);
  }
  /** Waits until the screen shows `text` (after `from` characters), then returns where it ended. */
  async waitFor(text: string, from = 0): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const at = this.screen.indexOf(text, from);
      if (at >= 0) return at + text.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`terminal never showed ${JSON.stringify(text)}; screen:\n${this.screen}`);
  }
  type(keys: string): void {
    this.child.stdin.write(keys);
  }
  kill(): void {
    this.child.kill("SIGKILL");
  }
}

describe.runIf(hasScript)("grc auth login in a real terminal", () => {
  const mock = withMock();

  it("prompts for every missing value, masks the key, verifies and saves", async () => {
    const dir = tempConfigDir();
    const term = new Terminal(["auth", "login"], { GRC_CONFIG_DIR: dir });
    try {
      let at = await term.waitFor("? Platform");
      term.type("\r"); // Sovereign GRC is the first choice
      at = await term.waitFor("? Base URL", at);
      // A remote plain-http URL is refused inline and asked again.
      term.type("http://grc.example.com\r");
      at = await term.waitFor("uses plain http to grc.example.com", at);
      term.type("\u0015"); // Ctrl-U clears the line
      term.type(`${mock.baseUrl}\r`);
      at = await term.waitFor("? Organization ID", at);
      term.type(`${mock.identity.orgId}\r`);
      at = await term.waitFor("? API key (sk-...)", at);
      term.type(`${mock.identity.apiKey}\r`);
      expect(await term.exited).toBe(0);
      await term.waitFor(`Logged in to sovereign at ${mock.baseUrl} as profile "default"`, at);
      expect(term.screen).toContain("*".repeat(mock.identity.apiKey.length));
      expect(term.screen).not.toContain(mock.identity.apiKey);
      expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).profiles.default).toEqual({
        platform: "sovereign",
        base_url: mock.baseUrl,
        org_id: mock.identity.orgId,
        api_key: mock.identity.apiKey,
      });
    } finally {
      term.kill();
    }
  });

  it("asks only for what the flags left out", async () => {
    const dir = tempConfigDir();
    const term = new Terminal(
      ["auth", "login", "--platform", "evident", "--base-url", mock.baseUrl],
      { GRC_CONFIG_DIR: dir },
    );
    try {
      let at = await term.waitFor("? Credential");
      term.type("\r"); // HMAC key (APIAuth) is the first choice for Evident
      at = await term.waitFor("? HMAC key ID", at);
      term.type(`${mock.identity.hmacKeyId}\r`);
      await term.waitFor("? HMAC secret", at);
      term.type(`${mock.identity.hmacSecret}\r`);
      expect(await term.exited).toBe(0);
      expect(term.screen).not.toContain("? Platform");
      expect(term.screen).not.toContain("? Base URL");
      expect(term.screen).toContain("Logged in to evident");
    } finally {
      term.kill();
    }
  });

  it("Ctrl-C at a prompt exits 130 and saves nothing", async () => {
    const dir = tempConfigDir();
    const term = new Terminal(
      ["auth", "login", "--platform", "strata", "--base-url", mock.baseUrl],
      { GRC_CONFIG_DIR: dir },
    );
    try {
      await term.waitFor("? Session cookie");
      term.type("half-typed\u0003");
      expect(await term.exited).toBe(130);
      expect(term.screen).toContain("grc: login cancelled; nothing was saved");
      expect(existsSync(join(dir, "config.json"))).toBe(false);
    } finally {
      term.kill();
    }
  });
});
