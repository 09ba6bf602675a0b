// Entry of the single executable (npm run build:binary): the same CLI as bin/grc.js.
import { main } from "../src/cli/main.js";

main(process).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`grc: unexpected error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
