import type { CommandContext } from "../../cli/command.js";
import { InterruptedError } from "../../errors.js";

/** The questions `grc auth login` may ask on a terminal. */
export interface Prompter {
  /** Asks for a visible value; `validate` returns an error text or true. */
  text(
    message: string,
    opts?: { default?: string; validate?: (v: string) => string | true },
  ): Promise<string>;
  /** Asks for a secret; typing is masked. */
  secret(message: string, validate?: (v: string) => string | true): Promise<string>;
  /** Asks the user to pick one of `choices`. */
  choose<T extends string>(
    message: string,
    choices: { value: T; name: string }[],
    initial?: T,
  ): Promise<T>;
}

/** Turns a validator that throws (our GrcErrors) into inquirer's "error text or true". */
export function promptValidator(check: (v: string) => unknown): (v: string) => string | true {
  return (value) => {
    try {
      check(value);
      return true;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
}

/** An inquirer-backed prompter on the command's streams (imported lazily: only login on a TTY loads it). */
export async function createPrompter(ctx: CommandContext): Promise<Prompter> {
  const { input, password, select } = await import("@inquirer/prompts");
  // Prompts go to stderr so stdout stays data; if only stdout is a terminal (2>file), use it.
  const output = !ctx.io.stderrIsTTY && ctx.io.stdoutIsTTY ? ctx.io.stdout : ctx.io.stderr;
  const context = { input: ctx.io.stdin, output, signal: ctx.signal };
  const interrupted = (err: unknown): never => {
    const name = err instanceof Error ? err.name : "";
    if (name === "ExitPromptError" || name === "AbortPromptError") {
      throw new InterruptedError("login cancelled; nothing was saved");
    }
    throw err;
  };
  return {
    text: (message, opts = {}) =>
      input(
        {
          message,
          ...(opts.default !== undefined ? { default: opts.default } : {}),
          ...(opts.validate ? { validate: opts.validate } : {}),
        },
        context,
      ).catch(interrupted),
    secret: (message, validate) =>
      password({ message, mask: "*", ...(validate ? { validate } : {}) }, context).catch(
        interrupted,
      ),
    // A menu is several lines: cleared when the prompt ends, so Ctrl-C leaves no menu on
    // screen; on an answer the one line inquirer would have left is written back.
    choose: async (message, choices, initial) => {
      const value = await select(
        { message, choices, ...(initial !== undefined ? { default: initial } : {}) },
        { ...context, clearPromptOnDone: true },
      ).catch(interrupted);
      const name = choices.find((c) => c.value === value)?.name ?? value;
      output.write(`✔ ${message} ${name}\n`);
      return value;
    },
  };
}
