import { defineCommand } from "../../cli/command.js";
import { UsageError } from "../../errors.js";
import { writeWithBackpressure } from "../../output/write.js";

const SHELL_NAMES = ["bash", "zsh", "fish"];

/** `grc completion bash|zsh|fish`: prints a completion script built from the command registry. */
export const completionCommand = defineCommand({
  path: ["completion"],
  args: "<shell>",
  summary: "Print a shell completion script (bash, zsh or fish)",
  connection: false,
  help: [
    "Examples:",
    "  source <(grc completion bash)",
    '  grc completion zsh > "$fpath[1]/_grc"',
    "  grc completion fish > ~/.config/fish/completions/grc.fish",
  ].join("\n"),
  async run(ctx, [shell]) {
    if (!SHELL_NAMES.includes(shell!)) {
      throw new UsageError(`unknown shell "${shell}"`, `pick one of ${SHELL_NAMES.join(", ")}`);
    }
    const [{ completionTree }, { completionScript }] = await Promise.all([
      import("./model.js"),
      import("./scripts.js"),
    ]);
    const tree = completionTree(
      await ctx.program.commands(),
      ctx.program.nounSummaries,
      ctx.program.options,
    );
    await writeWithBackpressure(
      ctx.io.stdout,
      completionScript(shell as "bash" | "zsh" | "fish", tree),
    );
    return 0;
  },
});
