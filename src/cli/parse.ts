import { UsageError } from "../errors.js";

/**
 * The one whole-number flag parser: digits only (surrounding spaces allowed), so `1e1`,
 * `0x10`, `-3`, `2.0` and `` are refused alike by every command, with the range in the message.
 */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const text = value.trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new UsageError(`${flag} must be a whole number ${range}, got "${value}"`);
    }
    return n;
  };
}
