import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeEnvFile } from "../../../../src/core/config/env-file.js";

describe("mergeEnvFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "grc-envfile-"));

  it("adds the file's variables under the environment, which wins", () => {
    const file = join(dir, "ci.env");
    writeFileSync(
      file,
      '# comment\nGRC_BASE_URL=https://a.example.com\nGRC_ORG_ID="org 1"\nexport GRC_PROFILE=ci\n',
    );
    const env = mergeEnvFile(file, { GRC_ORG_ID: "from-env", PATH: "/bin" });
    expect(env).toMatchObject({
      GRC_BASE_URL: "https://a.example.com",
      GRC_ORG_ID: "from-env",
      GRC_PROFILE: "ci",
      PATH: "/bin",
    });
  });

  it("a missing file or a directory is a usage error that never shows a value", () => {
    expect(() => mergeEnvFile(join(dir, "nope.env"), {})).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/no such file/) }),
    );
    expect(() => mergeEnvFile(dir, {})).toThrow(/it is a directory/);
  });
});
