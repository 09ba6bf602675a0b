// One 1 GiB file: wall time and peak RSS of `grc evidence push`, compared in the same run
// with the seed's flow (sha256sum, then the four calls with `curl -T`: the seed's
// `--data-binary @file` runs out of memory on 1 GiB with curl 7.88) and with the bare
// transfer alone (`curl -T` to a presigned URL, no hashing: the limit). Targets (issue 4):
// >= 3x faster than the seed's flow, >= 0.8x the bare transfer, peak RSS < 150 MiB, the
// file read once (the child's own rchar, from /proc/self/io at exit, below 1.25x the size).
// BENCH_BYTES changes the size (e.g. 268435456 for a quick look); BENCH_RUNS the rounds
// (default 3, medians: the machine is shared, single runs are noisy).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  cleanup,
  expectOk,
  makeBigFile,
  mib,
  mockCounts,
  paths,
  readProbe,
  runTimed,
  sec,
  startMock,
  tempDir,
} from "./lib/push-bench.js";
import { median, printReport } from "./lib/report.js";

const SIZE = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const { mock, env, reset } = await startMock();
const work = tempDir("large");
const file = join(work, "evidence-1GiB.csv");
const probeFile = join(work, "probe.txt");

/**
 * The seed's flow for one file: hash first, then upload-url, PUT (curl -T), verify (the
 * seed's optional step 3, when VERIFY=1), link.
 */
const seedFlow = `
set -e
BASE="$GRC_BASE_URL/api/v1/orgs/$GRC_ORG_ID/evidence"
AUTH="Authorization: Bearer $GRC_API_KEY"
HASH=$(sha256sum "$FILE" | cut -d' ' -f1)
RESP=$(curl -s -X POST "$BASE/upload-url" -H "$AUTH" \\
-H "Content-Type: application/json" \\
-d "{\\"filename\\":\\"$(basename "$FILE")\\",\\"content_type\\":\\"text/csv\\",\\"control_id\\":\\"CC6.1\\"}")
UPLOAD_URL=$(echo "$RESP" | jq -r .upload_url)
OBJECT_KEY=$(echo "$RESP" | jq -r .object_key)
curl -s -f -T "$FILE" -H "Content-Type: text/csv" "$UPLOAD_URL" >/dev/null
if [ "$VERIFY" = 1 ]; then
curl -s -f -X POST "$BASE/verify?object_key=$OBJECT_KEY&expected_hash=$HASH" -H "$AUTH" >/dev/null
fi
curl -s -f -X POST "$BASE/$HASH/link-to-control" -H "$AUTH" \\
-H "Content-Type: application/json" \\
-d "{\\"control_id\\":\\"CC6.1\\",\\"framework_id\\":\\"SOC2\\",\\"object_key\\":\\"$OBJECT_KEY\\"}" >/dev/null
`;

async function uploadUrl() {
  const res = await fetch(`${env.GRC_BASE_URL}/api/v1/orgs/${env.GRC_ORG_ID}/evidence/upload-url`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.GRC_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      filename: "evidence-1GiB.csv",
      content_type: "text/csv",
      control_id: "CC6.1",
    }),
  });
  return (await res.json()).upload_url;
}

try {
  makeBigFile(file, SIZE);
  const grcArgs = (extra) => [
    "--import",
    pathToFileURL(paths.probe).href,
    paths.bin,
    "evidence",
    "push",
    file,
    "--control",
    "CC6.1",
    "--framework",
    "SOC2",
    "--no-state",
    ...extra,
  ];
  const grcEnv = { ...env, GRC_CONFIG_DIR: join(work, "config"), GRC_BENCH_PROBE: probeFile };

  // Warm the page cache for everyone: the first reader would otherwise pay the disk.
  await runTimed("cat", [file]).then((r) => expectOk("cat", r));

  /** One round of every competitor, each on a clean mock. */
  const round = async () => {
    await reset();
    const url = await uploadUrl();
    const bare = await runTimed("curl", [
      "-s",
      "-f",
      "-T",
      file,
      "-H",
      "Content-Type: text/csv",
      url,
    ]);
    expectOk("curl -T", bare);

    await reset();
    const grc = await runTimed(process.execPath, grcArgs([]), { env: grcEnv });
    expectOk("grc", grc);
    if (mockCounts(mock).lineage !== 1) throw new Error("grc did not link the file");
    const probe = readProbe(probeFile);

    await reset();
    const grcNoVerify = await runTimed(process.execPath, grcArgs(["--no-verify"]), { env: grcEnv });
    expectOk("grc --no-verify", grcNoVerify);

    await reset();
    const seed = await runTimed("bash", ["-c", seedFlow], {
      env: { ...env, FILE: file, VERIFY: "1" },
    });
    expectOk("seed flow", seed);
    if (mockCounts(mock).lineage !== 1) throw new Error("the seed flow did not link the file");

    await reset();
    const seedNoVerify = await runTimed("bash", ["-c", seedFlow], {
      env: { ...env, FILE: file, VERIFY: "0" },
    });
    expectOk("seed flow without verify", seedNoVerify);

    const sha = await runTimed("sha256sum", [file]);
    expectOk("sha256sum", sha);
    return { bare, grc, probe, grcNoVerify, seed, seedNoVerify, sha };
  };
  const rounds = [];
  for (let i = 0; i < RUNS; i++) rounds.push(await round());
  // Medians of the wall times; the largest peak RSS and bytes read of any grc run.
  const pick = (key) => ({
    ms: median(rounds.map((r) => r[key].ms)),
    peakRssKiB: Math.max(...rounds.map((r) => r[key].peakRssKiB ?? 0)),
  });
  const [bare, grc, grcNoVerify, seed, seedNoVerify, sha] = [
    "bare",
    "grc",
    "grcNoVerify",
    "seed",
    "seedNoVerify",
    "sha",
  ].map(pick);
  const probe = {
    rchar: Math.max(...rounds.map((r) => r.probe.rchar ?? 0)) || undefined,
    vmHwmKiB: Math.max(...rounds.map((r) => r.probe.vmHwmKiB ?? 0)) || undefined,
  };
  const rss = Math.max(probe.vmHwmKiB ?? grc.peakRssKiB ?? 0, grcNoVerify.peakRssKiB ?? 0);
  const readRatio = probe.rchar === undefined ? undefined : probe.rchar / SIZE;
  const gib = SIZE / 1024 ** 3;
  const ok = printReport(
    `Push one ${gib >= 1 ? `${gib} GiB` : `${(SIZE / 1024 ** 2).toFixed(0)} MiB`} file to the mock on loopback (Node ${process.version}, median of ${RUNS})`,
    [
      ["grc evidence push (verify on)", `${sec(grc.ms)}  peak RSS ${mib(rss)}`],
      [
        "grc evidence push --no-verify",
        `${sec(grcNoVerify.ms)}  peak RSS ${mib(grcNoVerify.peakRssKiB)}`,
      ],
      [
        "seed flow (sha256sum + curl -T + verify + link)",
        `${sec(seed.ms)}  peak RSS ${mib(seed.peakRssKiB)}`,
      ],
      ["bare transfer (curl -T only)", `${sec(bare.ms)}  peak RSS ${mib(bare.peakRssKiB)}`],
      [
        "bytes grc read (rchar)",
        readRatio === undefined
          ? "n/a"
          : `${mib(probe.rchar / 1024)} (${readRatio.toFixed(3)}x the file)`,
      ],
      ["grc vs seed flow (both verify)", `${(seed.ms / grc.ms).toFixed(2)}x faster`],
      [
        "grc --no-verify vs seed flow without verify",
        `${(seedNoVerify.ms / grcNoVerify.ms).toFixed(2)}x faster`,
      ],
      ["sha256sum alone (the seed's extra pass)", sec(sha.ms)],
      [
        "grc --no-verify vs bare transfer",
        `${(bare.ms / grcNoVerify.ms).toFixed(2)}x the bare speed`,
      ],
      [
        "grc (verify on) vs bare transfer",
        `${(bare.ms / grc.ms).toFixed(2)}x (verify re-reads 1 object server-side)`,
      ],
    ],
    [
      {
        name: ">= 3x faster than the seed's flow (both with verify)",
        pass: seed.ms / grc.ms >= 3,
        detail: `${(seed.ms / grc.ms).toFixed(2)}x`,
      },
      {
        // Same work as curl -T (one PUT); grc also hashes on the way, which is its job.
        name: ">= 0.8x the bare transfer (grc --no-verify: one PUT, like curl -T)",
        pass: bare.ms / grcNoVerify.ms >= 0.8,
        detail: `${(bare.ms / grcNoVerify.ms).toFixed(2)}x`,
      },
      { name: "peak RSS < 150 MiB", pass: rss !== undefined && rss < 150 * 1024, detail: mib(rss) },
      {
        name: "file read once",
        pass: readRatio !== undefined && readRatio < 1.25,
        detail: readRatio === undefined ? "n/a" : `${readRatio.toFixed(3)}x`,
      },
    ],
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await mock.close();
  cleanup(work);
}
