import type { Writable } from "node:stream";
import type { IOStreams } from "./io.js";

/** The part of an ora spinner the commands use. */
export interface Spinner {
  text: string;
  start(): Spinner;
  stop(): Spinner;
  clear(): Spinner;
  render(): Spinner;
}

/**
 * Starts an ora spinner on stderr (ora is imported only here, only when called). Callers
 * start one only when stderr is a TTY.
 */
export async function startSpinner(io: IOStreams, text: string): Promise<Spinner> {
  const { default: ora } = await import("ora");
  return ora({
    stream: withColumns(io.stderr, io.columns),
    isEnabled: true,
    discardStdin: false,
    color: io.colorStderr ? "cyan" : false,
    text,
  }).start() as unknown as Spinner;
}

/**
 * The stream as ora sees it, with a usable width: a pseudo-terminal without a size reports
 * `columns` 0, and ora divides by it to count lines (then clears lines forever).
 */
function withColumns(stream: Writable, fallback: number): Writable {
  const own = (stream as Writable & { columns?: number }).columns;
  const columns = own && own > 0 ? own : fallback > 0 ? fallback : 80;
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === "columns") return columns;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
