import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseArgv } from "../../../src/cli/argv.js";
import { type CommandSpec, commandOptions } from "../../../src/cli/command.js";
import { commanderReading } from "../../../src/cli/program.js";
import { commandsFor, loadAllCommands } from "../../../src/cli/registry.js";
import { bufferIO } from "../../helpers/cli.js";

// The direct parser (src/cli/argv.ts) reads the argv of most runs without commander. Whatever
// it accepts must be read exactly as commander reads it: the same command, the same
// positional arguments, the same option values (defaults and parsed values included). The
// expected value is commander's own reading of the same argv, through the same program
// src/cli/program.ts builds.

const commands = await loadAllCommands();

/** commander's reading of argv, as the command's words, arguments and options. */
async function commanderRead(argv: string[]) {
  const read = await commanderReading(argv, await commandsFor(argv), {
    io: bufferIO().io,
    env: {},
  });
  if ("error" in read) return read;
  return { path: read.spec.path, args: read.args, opts: read.opts };
}

async function directRead(argv: string[]) {
  const read = parseArgv(await commandsFor(argv), argv);
  return read && { path: read.spec.path, args: read.args, opts: read.opts };
}

/** Words a user may type for a command: its flags (each form), values and arguments. */
function wordsFor(spec: CommandSpec<never>): fc.Arbitrary<string[]> {
  const values = fc.constantFrom(
    "x",
    "CC6.1",
    "5",
    "0",
    "-5",
    "",
    "a b",
    "k=v",
    "@file.json",
    "json",
    "csv",
    "table",
    "-",
    "--",
    "-x",
    "-V",
    "--help",
    "--json",
    "https://grc.example.com",
  );
  const flagWords: fc.Arbitrary<string[]>[] = [];
  for (const option of commandOptions(spec)) {
    const long = /--[a-z0-9-]+/.exec(option.flags)?.[0] ?? "";
    const short = /^-[A-Za-z](?=,)/.exec(option.flags)?.[0];
    const forms = short ? [long, short] : [long];
    const takesValue = option.flags.includes("<");
    const choice = option.choices ? fc.constantFrom(...option.choices) : values;
    for (const form of forms) {
      flagWords.push(
        takesValue ? fc.tuple(fc.constant(form), fc.oneof(choice, values)) : fc.constant([form]),
      );
    }
    if (takesValue) flagWords.push(fc.oneof(choice, values).map((v) => [`${long}=${v}`]));
  }
  const operand = fc.constantFrom("file.txt", "./logs", "a", "42", "-", "help", "-5", "x y");
  const odd = fc.constantFrom("--", "-qo", "-h", "--help", "--version", "-V", "--bogus", "-Z");
  const word = fc.oneof(
    { arbitrary: fc.oneof(...flagWords), weight: 6 },
    { arbitrary: operand.map((o) => [o]), weight: 3 },
    { arbitrary: odd.map((o) => [o]), weight: 1 },
    { arbitrary: fc.constant([]), weight: 4 },
  );
  return fc.array(word, { maxLength: 5 }).map((groups) => groups.flat());
}

describe("the direct parser reads argv as commander does", () => {
  it("for generated argv of every command: what it accepts, commander reads the same", async () => {
    let accepted = 0;
    let tried = 0;
    for (const spec of commands) {
      await fc.assert(
        fc.asyncProperty(wordsFor(spec), async (words) => {
          const argv = [...spec.path, ...words];
          tried++;
          const direct = await directRead(argv);
          if (!direct) return;
          accepted++;
          expect(await commanderRead(argv), argv.join(" ")).toStrictEqual(direct);
        }),
        { numRuns: 100 },
      );
    }
    // The property means something only if the parser accepts a good share of the argv.
    expect(accepted / tried).toBeGreaterThan(0.2);
  }, 60_000);

  it("reads every command given its required arguments (it knows every flag's shape)", async () => {
    for (const spec of commands) {
      const required = (spec.args ?? "").split(" ").filter((a) => a.startsWith("<")).length;
      const argv = [...spec.path, ...Array.from({ length: required }, () => "1")];
      const direct = await directRead(argv);
      expect(direct, argv.join(" ")).toBeDefined();
      expect(await commanderRead(argv)).toStrictEqual(direct);
    }
  });

  it.each([
    ["auth status --offline", ["auth", "status"], []],
    ["evidence push ./logs --control CC6.1", ["evidence", "push"], ["./logs"]],
    ["evidence push --control CC6.1 a -- -b --debug", ["evidence", "push"], ["a", "-b", "--debug"]],
    ["alerts list --filter status_eq=fail --all -o json", ["alerts", "list"], []],
    ["evidence push a -c 4 --retries=3 -", ["evidence", "push"], ["a", "-"]],
  ])("accepts %s", async (line, path, args) => {
    const argv = line.split(" ");
    const direct = await directRead(argv);
    expect(direct?.path).toEqual(path);
    expect(direct?.args).toEqual(args);
    expect(await commanderRead(argv)).toStrictEqual(direct);
  });

  it.each([
    "auth status --help", // commander prints the help
    "auth status -h",
    "alerts list --filter -V", // the program's --version, wherever it stands
    "auth status --version",
    "evidence push -qo json a", // a group of short flags
    "auth status --bogus", // commander names the unknown flag
    "auth status extra", // too many arguments
    "strata risks", // a noun, not a command
    "evidence push a --retries x", // a bad value: commander reports the parser's error
    "evidence push a --control", // a flag without its value
    "alerts list -o yaml", // not one of the choices
    "help auth status",
    "--debug auth status",
  ])("leaves %s to commander", async (line) => {
    expect(await directRead(line.split(" "))).toBeUndefined();
  });
});
