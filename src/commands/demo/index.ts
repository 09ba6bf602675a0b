import { type CommandSpec, defineCommand } from "../../cli/command.js";

/** `grc demo`: the main job end to end against the embedded mock (what `npm run demo` runs). */
const demo = defineCommand({
  path: ["demo"],
  summary: "Push sample evidence and query alerts against the embedded mock",
  connection: false,
  help: "Starts `grc mock serve` in-process on 127.0.0.1, pushes fixtures/demo/evidence to control\nCC6.1, pushes again (everything skipped from state), verifies the receipt, and lists failing\nhigh-risk alerts. Nothing leaves this machine; a temporary config directory is used.",
  async run(ctx) {
    const { runDemo } = await import("./run-demo.js");
    return runDemo(ctx);
  },
});

/** Commands of the `demo` noun. */
export const demoCommands: CommandSpec<never>[] = [demo as CommandSpec<never>];
