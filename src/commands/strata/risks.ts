import type { CommandSpec } from "../../cli/command.js";
import { createCommand, deleteCommand, listCommand, updateCommand } from "./module-commands.js";

const fields =
  "title (required), category (required), description, status, likelihood (1-5), impact (1-5), owner_id";

/** `grc strata risks list|create|update|delete`. */
export const riskCommands: CommandSpec<never>[] = [
  listCommand(
    "risks",
    "List risks",
    [
      { flags: "--category <c>", param: "category", description: "only this risk category" },
      { flags: "--status <s>", param: "status", description: "only this risk status" },
    ],
    [
      "grc strata risks list --category Technology --status Open",
      "grc strata risks list --all --output csv",
    ],
  ),
  createCommand(
    "risks",
    "risk",
    fields,
    'grc strata risks create --field title="Ransomware" --field category=Technology --field likelihood=4',
  ),
  updateCommand("risks", "risk", fields, "grc strata risks update 12 --field status=Mitigating"),
  deleteCommand("risks", "risk"),
] as CommandSpec<never>[];
