import { defineCommand } from "../../cli/command.js";

/** `grc strata status`: who is logged in, for which organization. */
export const strataStatusCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["strata", "status"],
  summary: "Show who the StrataGRC session belongs to and its organization",
  output: true,
  help: "Exit code 3 with one line when the session expired: log in to the web app and run\n`grc auth login --platform strata --session-stdin` again.",
  async run(ctx, _args, opts) {
    const { runStatus } = await import("./run-actions.js");
    return runStatus(ctx, opts);
  },
});
