/** Matches ANSI/VT escape sequences and other C0/C1 control characters except tab and newline. */
const CONTROL =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Removes terminal escape sequences and control characters from text that came from a
 * server, so a resource attribute cannot move the cursor, retitle the terminal or hide text.
 */
export function stripControl(text: string): string {
  return text.replace(CONTROL, "");
}

/**
 * One line of text for stderr: control characters and escape sequences removed, line breaks
 * and tabs folded to spaces, so a hostile value cannot split an error line or drive the terminal.
 */
export function oneLine(text: string): string {
  return stripControl(text).replace(/[\r\n\t]+/g, " ");
}
