import { apiCommands } from "../commands/api/index.js";
import { authCommands } from "../commands/auth/index.js";
import { completionCommands } from "../commands/completion/index.js";
import { configCommands } from "../commands/config/index.js";
import { demoCommands } from "../commands/demo/index.js";
import { evidenceCommands } from "../commands/evidence/index.js";
import { mcpCommands } from "../commands/mcp/index.js";
import { mockCommands } from "../commands/mock/index.js";
import { queryCommands } from "../commands/query/index.js";
import { strataCommands } from "../commands/strata/index.js";
import type { CommandSpec } from "./command.js";

/** Every command grc has, one list per noun. Command files load their heavy modules lazily. */
export const commands: readonly CommandSpec<never>[] = [
  ...authCommands,
  ...configCommands,
  ...evidenceCommands,
  ...queryCommands,
  ...strataCommands,
  ...apiCommands,
  ...mcpCommands,
  ...mockCommands,
  ...completionCommands,
  ...demoCommands,
] as CommandSpec<never>[];

/** One-line descriptions of the nouns, for `grc --help`. */
export const nounSummaries: Record<string, string> = {
  auth: "Log in, show and manage credentials",
  config: "Read and change profiles and settings",
  evidence: "Push evidence files and link them to controls",
  alerts: "List and show alerts",
  list: "List any JSON:API collection",
  get: "Show one resource of a JSON:API collection",
  strata: "StrataGRC: risks, controls, audits, findings, cases and KPIs",
  "strata risks": "Risks: list, create, update, delete",
  "strata controls": "Control library: list, get, create, effectiveness",
  "strata engagements": "Audit engagements: list, get, create, phase",
  "strata findings": "Audit findings: list, create, status, respond",
  "strata cases": "Investigation cases: list, create, evidence upload",
  "strata cases evidence": "Evidence files of a case",
  "strata kpis": "KPIs: list, history, submit",
  "evidence receipt": "Check push receipts",
  api: "Send one authenticated request",
  mcp: "Serve read-only tools to AI agents (Model Context Protocol)",
  mock: "Run the embedded mock of the platforms",
  completion: "Print a shell completion script",
  demo: "Run the main job against the embedded mock",
};
