// Entry of the single executable (npm run build:binary): the same CLI as bin/grc.js.
import { internalErrorLine, main } from "../src/cli/main.js";

main(process).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${internalErrorLine(err)}\n`);
    if (process.argv.includes("--debug") && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
    process.exitCode = 70;
  },
);
