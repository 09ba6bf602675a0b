// `grc --version` must stay within 1.5x of a bare `node -e 0` (issue 2). Also shows `--help`,
// which loads the whole command registry, for information.
import { fileURLToPath } from "node:url";
import { median, printReport, timeCommand } from "./lib/report.js";

const bin = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const bare = median(timeCommand(process.execPath, ["-e", "0"], { runs }));
const version = median(timeCommand(process.execPath, [bin, "--version"], { runs }));
const help = median(timeCommand(process.execPath, [bin, "--help"], { runs }));
const ratio = version / bare;
printReport(
  `Startup (median of ${runs} runs, Node ${process.version})`,
  [
    ["node -e 0", `${bare.toFixed(1)} ms`],
    ["grc --version", `${version.toFixed(1)} ms (${ratio.toFixed(2)}x bare node)`],
    ["grc --help", `${help.toFixed(1)} ms (${(help / bare).toFixed(2)}x bare node)`],
  ],
  [
    {
      name: "grc --version within 1.5x of node -e 0",
      pass: ratio <= 1.5,
      detail: `${ratio.toFixed(2)}x`,
    },
  ],
);
