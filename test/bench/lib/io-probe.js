// Loaded with `node --import` into a benchmarked child: at exit it copies the process's own
// I/O counters (/proc/self/io: rchar = bytes read by read() calls) and peak RSS (VmHWM) to
// the file named by GRC_BENCH_PROBE, so a bench can prove "the file is read once".
import { readFileSync, writeFileSync } from "node:fs";

const out = process.env.GRC_BENCH_PROBE;
if (out) {
  process.on("exit", () => {
    try {
      writeFileSync(
        out,
        `${readFileSync("/proc/self/io", "utf8")}${readFileSync("/proc/self/status", "utf8")}`,
      );
    } catch {
      // Not Linux: the bench reports n/a.
    }
  });
}
