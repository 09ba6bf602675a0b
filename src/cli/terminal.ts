import { fstatSync } from "node:fs";

/**
 * Whether stdout (1) or stderr (2) is a terminal. A terminal is a character device: only then
 * is node's stream for the descriptor created to ask it (for a pipe that stream is a socket,
 * node:net and its streams; src/cli/io.ts). A closed descriptor is no terminal.
 */
export function isTerminal(fd: 1 | 2, proc: NodeJS.Process): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false; // a pipe, a file, a socket
  } catch {
    return false; // closed
  }
  return Boolean((fd === 1 ? proc.stdout : proc.stderr).isTTY);
}
