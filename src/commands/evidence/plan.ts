import { defineCommand } from "../../cli/command.js";
import type { PlanItem } from "../../core/evidence/plan.js";
import { ExitCode } from "../../errors.js";
import type { PlanFlags } from "./plan-build.js";

/** Flags of `grc evidence plan`. */
export interface PlanCommandFlags extends PlanFlags {
  json?: boolean;
  out?: string;
}

/** Exit code of `grc evidence plan` when the plan was made and something would be sent. */
export const PLAN_CHANGES_EXIT = 2;
/** Exit code of `grc evidence plan` for bad input (grc's usual 2 means "changes" here). */
export const PLAN_ERROR_EXIT = 1;

/** `grc evidence plan`: what `apply` would send, per file and control; sends nothing. */
export const planCommand = defineCommand<PlanCommandFlags>({
  path: ["evidence", "plan"],
  summary: "Show what apply would push for grc.yaml (new, changed, unchanged, missing)",
  usageExitCode: PLAN_ERROR_EXIT,
  options: [
    { flags: "--config <file>", description: "evidence-as-code file (default grc.yaml)" },
    { flags: "--json", description: "print the plan as JSON" },
    {
      flags: "--out <file>",
      description: "save the plan (with every SHA-256 seen) for apply --plan",
    },
    {
      flags: "--state <file>",
      description: "state file (default: <config dir>/state/<profile>.json)",
    },
    {
      flags: "--snapshot-dir <dir>",
      description: "where snapshots are written (default: <config dir>/snapshots/<profile>)",
    },
    { flags: "--hidden", description: "include dot files and dot folders" },
    {
      flags: "--shard <i/n>",
      description:
        "only shard i of n (1-based; auto reads CI_NODE_INDEX/CI_NODE_TOTAL), as push --shard",
    },
    { flags: "--follow-symlinks", description: "walk into symlinked folders" },
  ],
  help: [
    "Examples:",
    "  grc evidence plan",
    "  grc evidence plan --config ci/grc.yaml --out plan.json && grc evidence apply --plan plan.json",
    "",
    "Every file is read and hashed: identity is the content (SHA-256), not size and mtime.",
    "  new        no link of this path or this content to the control yet",
    "  changed    this path was linked to the control with other content",
    "  unchanged  this content is linked to the control (a renamed file names its old path)",
    "  missing    linked before, file gone now (nothing is sent or removed)",
    "Snapshots in grc.yaml are fetched (read-only requests) and written to the snapshot folder.",
    "",
    "Exit codes: 0 nothing would change, 2 changes pending (new or changed), 1 error (bad",
    "input, an unreadable file: the plan is incomplete), 3 credentials, 4 server unavailable,",
    "130 interrupted. Never 0 when the plan could not be made.",
  ].join("\n"),
  async run(ctx, _args, flags) {
    const [{ makePlan }, { writeFile }, { stripControl }] = await Promise.all([
      import("./plan-build.js"),
      import("node:fs/promises"),
      import("../../output/sanitize.js"),
    ]);
    const plan = await makePlan(ctx, flags);
    const text = `${JSON.stringify(plan, null, 2)}\n`;
    if (flags.out) {
      try {
        await writeFile(flags.out, text, { mode: 0o644 });
      } catch (err) {
        const { GrcError } = await import("../../errors.js");
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        throw new GrcError(
          `cannot write ${flags.out}: ${code}`,
          ExitCode.someFailed,
          "pass --out with a writable path",
        );
      }
    }
    if (flags.json) {
      ctx.io.stdout.write(text);
    } else {
      const safe = (s: string) => (ctx.io.stdoutIsTTY ? stripControl(s) : s);
      const width = Math.min(60, Math.max(4, ...plan.items.map((i) => i.path.length)));
      for (const item of plan.items) {
        ctx.io.stdout.write(`${planLine(item, width, safe)}\n`);
      }
      const c = plan.counts;
      ctx.io.stdout.write(
        `Plan: ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged, ${c.missing} missing${c.error ? `, ${c.error} unreadable` : ""}.${flags.out ? ` Saved to ${flags.out}.` : ""}\n`,
      );
    }
    if (plan.counts.error > 0) {
      const first = plan.items.find((i) => i.status === "error")!;
      ctx.warn(
        `grc: ${plan.counts.error} file(s) could not be read, so the plan is incomplete (${first.path}: ${first.error}) — fix the files and plan again`,
      );
      return PLAN_ERROR_EXIT;
    }
    return plan.changes > 0 ? PLAN_CHANGES_EXIT : ExitCode.ok;
  },
});

/** `new        path  CC6.1 SOC2  (note)`. */
export function planLine(item: PlanItem, width: number, safe: (s: string) => string): string {
  const target = [
    item.control_id,
    item.framework_id,
    item.assessment_id && `@${item.assessment_id}`,
  ]
    .filter(Boolean)
    .join(" ");
  const note =
    item.status === "changed"
      ? `was ${item.previous_sha256!.slice(0, 12)}, now ${item.sha256!.slice(0, 12)}`
      : item.status === "unchanged" && item.previous_path
        ? `same content as linked ${item.previous_path}`
        : item.status === "missing"
          ? `linked ${item.sha256!.slice(0, 12)}, file gone`
          : item.status === "error"
            ? (item.error ?? "")
            : item.sha256
              ? item.sha256.slice(0, 12)
              : "";
  const snap = item.snapshot ? ` [snapshot ${item.snapshot}]` : "";
  return `${item.status.padEnd(10)} ${safe(item.path).padEnd(width)}  ${safe(target)}${snap}${note ? `  (${safe(note)})` : ""}`;
}
