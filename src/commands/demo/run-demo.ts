import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandContext } from "../../cli/command.js";
import { ExitCode } from "../../errors.js";

/** Runs the demo steps against an in-process mock; returns the first failing step's exit code. */
export async function runDemo(ctx: CommandContext): Promise<number> {
  const [{ startMockServer }, { packageAssetDir }, { useShippedFixtures }] = await Promise.all([
    import("../../mock/server.js"),
    import("../../cli/assets.js"),
    import("../mock/serve.js"),
  ]);
  // The program is handed in by src/cli/main.ts (no command imports the program).
  const runCli = ctx.program.run;
  await useShippedFixtures();
  const evidenceDir = await packageAssetDir("fixtures/demo/evidence");
  const mock = await startMockServer({ host: "127.0.0.1", port: 0, storagePort: 0 });
  const work = mkdtempSync(join(tmpdir(), "grc-demo-"));
  const receipt = join(work, "receipt.ndjson");
  const bearerEnv = {
    ...ctx.env,
    GRC_CONFIG_DIR: join(work, "config"),
    GRC_BASE_URL: mock.baseUrl,
    GRC_ORG_ID: mock.identity.orgId,
    GRC_API_KEY: mock.identity.apiKey,
  };
  const hmacEnv = {
    ...ctx.env,
    GRC_CONFIG_DIR: join(work, "config"),
    GRC_BASE_URL: mock.baseUrl,
    GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
    GRC_HMAC_SECRET: mock.identity.hmacSecret,
  };
  const steps: { title: string; argv: string[]; env: NodeJS.ProcessEnv }[] = [
    {
      title: "Push the sample evidence folder to control CC6.1 (hash, presigned PUT, verify, link)",
      argv: [
        "evidence",
        "push",
        evidenceDir,
        "--control",
        "CC6.1",
        "--framework",
        "SOC2",
        "--receipt",
        receipt,
      ],
      env: bearerEnv,
    },
    {
      title: "Run it again: unchanged files are skipped from the state file, nothing is uploaded",
      argv: ["evidence", "push", evidenceDir, "--control", "CC6.1", "--framework", "SOC2"],
      env: bearerEnv,
    },
    {
      title: "Check the receipt an auditor would keep",
      argv: ["evidence", "receipt", "verify", receipt],
      env: bearerEnv,
    },
    {
      title: "Query failing high-risk alerts over JSON:API with APIAuth (HMAC) signing",
      argv: [
        "alerts",
        "list",
        "--status",
        "fail",
        "--risk",
        "high",
        "--limit",
        "5",
        "--include",
        "external_account",
      ],
      env: hmacEnv,
    },
  ];
  const say = (line: string) => ctx.io.stderr.write(`${line}\n`);
  say(`Mock platform on ${mock.baseUrl} (storage ${mock.storageUrl}), org ${mock.identity.orgId}`);
  let code: number = ExitCode.ok;
  try {
    for (const [i, step] of steps.entries()) {
      say(
        `\n[${i + 1}/${steps.length}] ${step.title}\n$ grc ${step.argv.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")}`,
      );
      code = await runCli(step.argv, { io: ctx.io, env: step.env, signal: ctx.signal });
      if (code !== ExitCode.ok) {
        say(`Demo step ${i + 1} failed with exit code ${code}.`);
        break;
      }
    }
    if (code === ExitCode.ok) {
      say("\nDone. Start the mock yourself with `grc mock serve` and point any profile at it.");
    }
  } finally {
    await mock.close();
    rmSync(work, { recursive: true, force: true });
  }
  return code;
}
