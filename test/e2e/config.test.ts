import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";

describe("grc config and completion (built CLI)", () => {
  it("creates a 0700 directory and a 0600 file, and round-trips settings", async () => {
    const dir = join(tempConfigDir(), "fresh");
    const env = { GRC_CONFIG_DIR: dir };
    expect(
      (await runGrc(["config", "set", "base_url", "https://grc.example.com"], { env })).code,
    ).toBe(0);
    expect(
      (await runGrc(["config", "set", "--profile", "lab", "platform", "strata"], { env })).code,
    ).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
    expect(await runGrc(["config", "get", "base_url"], { env })).toEqual({
      code: 0,
      stdout: "https://grc.example.com\n",
      stderr: "",
    });
    expect((await runGrc(["config", "use", "lab"], { env })).code).toBe(0);
    expect((await runGrc(["config", "get", "platform"], { env })).stdout).toBe("strata\n");
    expect((await runGrc(["config", "path"], { env })).stdout).toBe(`${dir}/config.json\n`);
  });

  it("warns about a loose file and exits 2 on a broken one", async () => {
    const dir = tempConfigDir();
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({ active_profile: "default", profiles: { default: { org_id: "o" } } }),
    );
    chmodSync(file, 0o644);
    const loose = await runGrc(["config", "get", "org_id"], { env: { GRC_CONFIG_DIR: dir } });
    expect(loose).toEqual({
      code: 0,
      stdout: "o\n",
      stderr: `warning: config file ${file} is accessible by other users (mode 644); run \`chmod 600 ${file}\`\n`,
    });
    writeFileSync(file, '{"profiles": {"default": {"org_id": "o",}}}');
    const broken = await runGrc(["auth", "status"], { env: { GRC_CONFIG_DIR: dir } });
    expect(broken.code).toBe(2);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toMatch(
      new RegExp(
        `^grc: config file ${file} is not valid JSON \\([^\\n]*\\) — fix the JSON by hand, or remove it with \`grc config reset --yes\` \\(or rm ${file}\\) and log in again\\n$`,
      ),
    );
    const reset = await runGrc(["config", "reset", "--yes"], { env: { GRC_CONFIG_DIR: dir } });
    expect(reset.stderr).toBe(`Removed ${file}\n`);
    expect(() => readFileSync(file)).toThrow();
  });

  it("prints a bash completion script that bash accepts", async () => {
    const r = await runGrc(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("complete -o filenames -F _grc grc");
    expect(spawnSync("bash", ["-n"], { input: r.stdout }).status).toBe(0);
  });
});
