import { MockOptionError } from "./errors.js";

/**
 * Fault injection for the mock: each request draws one number from a seeded PRNG and may
 * get a fault instead of (or, for `slow`, before) its normal answer. The draw happens before
 * the handler runs, so a request that fails never half-happens on the server.
 */

/** The kinds of fault `--faults` understands. */
export const FAULT_KINDS = [
  "429",
  "500",
  "503",
  "reset",
  "slow",
  "corrupt",
  "truncate",
  "expire",
] as const;
/** One kind of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that only make sense on the storage origin (they act on an upload). */
const STORAGE_ONLY: readonly FaultKind[] = ["corrupt", "truncate", "expire"];

/** Probability per fault kind. */
export type FaultSpec = Partial<Record<FaultKind, number>>;

/** Parses "429=0.1,500=0.05,reset=0.02" into a spec; throws MockOptionError on anything else. */
export function parseFaultSpec(text: string | undefined): FaultSpec {
  const spec: FaultSpec = {};
  if (!text || text.trim() === "") return spec;
  let total = 0;
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const [name, value, extra] = item.split("=").map((s) => s.trim());
    const kind = FAULT_KINDS.find((k) => k === name);
    if (!kind || value === undefined || extra !== undefined) {
      throw new MockOptionError(
        `bad fault "${item}" in --faults`,
        `use KIND=PROBABILITY pairs separated by commas; kinds: ${FAULT_KINDS.join(", ")}`,
      );
    }
    const p = Number(value);
    if (value === "" || !Number.isFinite(p) || p < 0 || p > 1) {
      throw new MockOptionError(
        `fault probability "${value}" for ${kind} is not a number between 0 and 1`,
        'write it like "429=0.1"',
      );
    }
    spec[kind] = p;
    total += p;
  }
  if (total > 1 + 1e-9) {
    throw new MockOptionError(
      `fault probabilities in --faults add up to ${total.toFixed(3)}, more than 1`,
      "lower them so their sum is at most 1",
    );
  }
  return spec;
}

/** Renders a spec back to the `--faults` syntax (banner, logs). */
export function formatFaultSpec(spec: FaultSpec): string {
  return FAULT_KINDS.filter((k) => (spec[k] ?? 0) > 0)
    .map((k) => `${k}=${spec[k]}`)
    .join(",");
}

/** mulberry32: a small, fast PRNG; the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, request by request, which fault (if any) one origin injects. */
export interface FaultInjector {
  /** Draws for one request; undefined = answer normally. */
  decide(): FaultKind | undefined;
  /** Replaces the spec (POST /__mock/faults) and restarts the sequence from the seed; counts are kept. */
  configure(spec: FaultSpec, seed?: number): void;
  /** Zeroes the counts (POST /__mock/reset). */
  clearCounts(): void;
  /** How many faults of each kind were injected so far. */
  counts(): Partial<Record<FaultKind, number>>;
  readonly spec: FaultSpec;
}

/** A fault injector for the "api" or "storage" origin; storage-only kinds never fire on the API. */
export function createFaultInjector(
  origin: "api" | "storage",
  spec: FaultSpec,
  seed: number,
): FaultInjector {
  let current: FaultSpec = spec;
  // Each origin gets its own stream so the API's sequence does not depend on storage traffic.
  const streamSeed = (s: number) => (origin === "api" ? s : s ^ 0x5bd1e995);
  let random = seededRandom(streamSeed(seed));
  let counts: Partial<Record<FaultKind, number>> = {};
  let active: [FaultKind, number][] = [];
  const rebuild = () => {
    active = FAULT_KINDS.filter((k) => (current[k] ?? 0) > 0)
      .filter((k) => origin === "storage" || !STORAGE_ONLY.includes(k))
      .map((k) => [k, current[k] ?? 0]);
  };
  rebuild();
  return {
    get spec() {
      return current;
    },
    decide() {
      if (active.length === 0) return undefined;
      const u = random();
      let edge = 0;
      for (const [kind, p] of active) {
        edge += p;
        if (u < edge) {
          counts[kind] = (counts[kind] ?? 0) + 1;
          return kind;
        }
      }
      return undefined;
    },
    configure(next, nextSeed) {
      current = next;
      random = seededRandom(streamSeed(nextSeed ?? seed));
      rebuild();
    },
    clearCounts() {
      counts = {};
    },
    counts: () => ({ ...counts }),
  };
}
