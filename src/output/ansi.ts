/**
 * The few ANSI colours the tables use, written out so src/output needs no colour library.
 * Callers decide whether colour is on (IOStreams.colorStdout); these only paint.
 */

const paint = (open: number, close: number) => (text: string) =>
  `\u001b[${open}m${text}\u001b[${close}m`;

/** SGR painters by name. */
export const ansi = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  blue: paint(34, 39),
  magenta: paint(35, 39),
  cyan: paint(36, 39),
} as const;

const STATUS: Record<string, (t: string) => string> = {
  pass: ansi.green,
  fail: ansi.red,
  warn: ansi.yellow,
  error: ansi.magenta,
  info: ansi.cyan,
};

const RISK: Record<string, (t: string) => string> = {
  high: ansi.red,
  medium: ansi.yellow,
  low: ansi.green,
};

/** Colours an alert status cell: fail red, warn yellow, pass green, error magenta, info cyan. */
export function colorStatus(text: string, value: unknown): string {
  const painter = STATUS[String(value).toLowerCase()];
  return painter ? painter(text) : text;
}

/** Colours a risk level cell: high red, medium yellow, low green. */
export function colorRisk(text: string, value: unknown): string {
  const painter = RISK[String(value).toLowerCase()];
  return painter ? painter(text) : text;
}
