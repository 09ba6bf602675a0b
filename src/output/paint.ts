import type { ChalkInstance } from "chalk";

/**
 * Colour goes through chalk, loaded only when a stream will be coloured (src/cli/io.ts decides
 * and loads it): most runs write to pipes and files, and chalk's colour detection and style
 * tables cost as much as a small command's own start-up. Without colour every style is the
 * identity, as chalk's level 0 is.
 */
let chalk: typeof import("chalk") | undefined;

/** Loads chalk (once); after this, `painter(true)` paints. */
export async function loadColour(): Promise<typeof import("chalk")> {
  chalk ??= await import("chalk");
  return chalk;
}

/** chalk's colour models: `hex("#f00")` returns a style. */
const MODELS = new Set(["rgb", "hex", "ansi256", "bgRgb", "bgHex", "bgAnsi256"]);

/** Every style and chain of styles returns its text unchanged (chalk joins arguments with a space). */
const plain: ChalkInstance = new Proxy(() => {}, {
  get: (_f, key) => (MODELS.has(key as string) ? () => plain : plain),
  apply: (_f, _this, args: unknown[]) => args.join(" "),
}) as unknown as ChalkInstance;

/** The chalk for a stream whose colour decision is `color` (stdout and stderr decide apart). */
export function painter(color: boolean): ChalkInstance {
  if (!color) return plain;
  if (!chalk) throw new Error("colour was asked for before loadColour(); systemIO loads it");
  return new chalk.Chalk({ level: 1 });
}
