// Performance target row 2: one 1 GiB file, `grc evidence push FILE --control CC6.1 --framework SOC2
// --no-state`, side by side with
// - the seed's flow (document 000) for one file: `sha256sum`, upload-url, the PUT with
//   `curl -T` (the seed's `--data-binary @file` runs out of memory on 1 GiB with curl 7.88),
//   verify, link: target grc (verify on, the default: the same work) >= 3x faster;
// - `curl -T` alone to a presigned URL (the transfer and nothing else: no hashing, no API
//   call): target grc --no-verify (one PUT plus upload-url and link) >= 0.9x its speed;
// - grc's peak RSS (the largest of /usr/bin/time's maxrss and the process's own VmHWM over
//   every grc run) < 150 MiB; and the file read once (rchar from /proc/self/io at exit
//   < 1.25x the size).
// Every run starts on a reset mock and counts only when it exited 0 and the mock holds what
// it should (one lineage row; for curl -T the stored object of the full size). Rounds
// alternate the competitors (BENCH_ROUNDS, default 3, medians); BENCH_BYTES changes the size
// (e.g. 268435456 for a quick look).
import { statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  cleanup,
  expectOk,
  makeBigFile,
  paths,
  readProbe,
  runTimed,
  startMock,
  tempDir,
} from "./lib/push-bench.js";
import { dialect, fmtMs, median, mib, order, printReport, rounds, target } from "./lib/report.js";

const SIZE = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
const RUNS = rounds(3);
const { mock, env, reset } = await startMock();
const work = tempDir("large");
const file = join(work, "evidence-1GiB.csv");
const probeFile = join(work, "probe.txt");

/**
 * The seed's flow for one file: hash first, then upload-url, PUT (curl -T), verify (the
 * seed's optional step 3, which its samples run), link.
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
curl -s -f -X POST "$BASE/verify?object_key=$OBJECT_KEY&expected_hash=$HASH" -H "$AUTH" >/dev/null
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

/** Checks the mock holds one linked evidence (or, for curl -T, one object of SIZE bytes). */
function expectDone(label, { linked }) {
  const state = mock.state();
  if (linked && state.lineage.length !== 1) {
    throw new Error(`${label}: ${state.lineage.length} lineage rows, expected 1`);
  }
  if (state.objects.length !== 1) {
    throw new Error(`${label}: ${state.objects.length} stored objects, expected 1`);
  }
  const size = state.objects[0].size;
  if (size !== undefined && size !== SIZE) {
    throw new Error(`${label}: stored ${size} bytes, expected ${SIZE}`);
  }
}

try {
  makeBigFile(file, SIZE);
  if (statSync(file).size !== SIZE) throw new Error("the test file has the wrong size");
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
  const probes = [];

  const competitors = {
    async curl() {
      await reset();
      const url = await uploadUrl(); // not timed: curl -T alone is the transfer
      const r = await runTimed("curl", [
        "-s",
        "-f",
        "-T",
        file,
        "-H",
        "Content-Type: text/csv",
        url,
      ]);
      expectOk("curl -T", r);
      expectDone("curl -T", { linked: false });
      return r;
    },
    async grc() {
      await reset();
      const r = await runTimed(process.execPath, grcArgs([]), { env: grcEnv });
      expectOk("grc", r);
      expectDone("grc", { linked: true });
      probes.push(readProbe(probeFile));
      return r;
    },
    async grcNoVerify() {
      await reset();
      const r = await runTimed(process.execPath, grcArgs(["--no-verify"]), { env: grcEnv });
      expectOk("grc --no-verify", r);
      expectDone("grc --no-verify", { linked: true });
      probes.push(readProbe(probeFile));
      return r;
    },
    async seed() {
      await reset();
      const r = await runTimed("bash", ["-c", seedFlow], { env: { ...env, FILE: file } });
      expectOk("seed flow", r);
      expectDone("seed flow", { linked: true });
      return r;
    },
  };

  // Warm the page cache for everyone: the first reader would otherwise pay the disk.
  await runTimed("cat", [file]).then((r) => expectOk("cat", r));
  const runs = Object.fromEntries(Object.keys(competitors).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const name of order(i, Object.keys(competitors))) {
      runs[name].push(await competitors[name]());
    }
  }
  const ms = (name) => median(runs[name].map((r) => r.ms));
  const rssOf = (name) => Math.max(...runs[name].map((r) => r.peakRssKiB ?? 0));
  const rss = Math.max(rssOf("grc"), rssOf("grcNoVerify"), ...probes.map((p) => p.vmHwmKiB ?? 0));
  const rchar = Math.max(...probes.map((p) => p.rchar ?? 0));
  const readRatio = rchar > 0 ? rchar / SIZE : undefined;
  const gib = SIZE / 1024 ** 3;
  const size = gib >= 1 ? `${gib} GiB` : `${(SIZE / 1024 ** 2).toFixed(0)} MiB`;
  const title = `push one ${size} file`;
  const lines = [
    ["grc evidence push (verify on)", `${fmtMs(ms("grc"))}  peak RSS ${mib(rssOf("grc"))}`],
    [
      "grc evidence push --no-verify",
      `${fmtMs(ms("grcNoVerify"))}  peak RSS ${mib(rssOf("grcNoVerify"))}`,
    ],
    [
      "seed flow: sha256sum, upload-url, curl -T, verify, link",
      `${fmtMs(ms("seed"))}  peak RSS ${mib(rssOf("seed"))}`,
    ],
    ["curl -T alone to a presigned URL", `${fmtMs(ms("curl"))}  peak RSS ${mib(rssOf("curl"))}`],
    [
      "grc (verify on) vs curl -T alone",
      `${(ms("curl") / ms("grc")).toFixed(2)}x (verify re-reads the object server-side)`,
    ],
    [
      "bytes grc read (rchar)",
      readRatio === undefined ? "n/a" : `${mib(rchar / 1024)} (${readRatio.toFixed(3)}x the file)`,
    ],
  ];
  for (const [name, rs] of Object.entries(runs)) {
    lines.push([`  ${name} runs`, rs.map((r) => fmtMs(r.ms)).join(", ")]);
  }
  const targets = [
    target({
      work: title,
      grc: fmtMs(ms("grc")),
      baseline: "seed flow with verify (sha256sum + curl -T + 3 calls)",
      base: fmtMs(ms("seed")),
      kind: "speed",
      goal: 3,
      grcMs: ms("grc"),
      baseMs: ms("seed"),
      grcRuns: runs.grc.map((r) => r.ms),
      baseRuns: runs.seed.map((r) => r.ms),
    }),
    target({
      work: `${title}, --no-verify`,
      grc: fmtMs(ms("grcNoVerify")),
      baseline: "curl -T alone to a presigned URL",
      base: fmtMs(ms("curl")),
      kind: "speed",
      goal: 0.9,
      grcMs: ms("grcNoVerify"),
      baseMs: ms("curl"),
      grcRuns: runs.grcNoVerify.map((r) => r.ms),
      baseRuns: runs.curl.map((r) => r.ms),
    }),
    target({
      work: `${title}, peak RSS`,
      grc: mib(rss),
      kind: "max",
      goal: 150,
      value: rss / 1024,
      unit: "MiB",
    }),
    target({
      work: `${title}, bytes read / file size`,
      grc: readRatio === undefined ? "n/a" : `${readRatio.toFixed(3)}x`,
      kind: "max",
      goal: 1.25,
      value: readRatio ?? Number.NaN,
      unit: "x",
    }),
  ];
  const ok = printReport(
    `Push one ${size} file, ${dialect} mock on loopback (Node ${process.version}, median of ${RUNS} alternated rounds)`,
    lines,
    targets,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await mock.close();
  cleanup(work);
}
