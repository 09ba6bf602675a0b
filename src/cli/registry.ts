import type { CommandSpec } from "./command.js";

/**
 * One noun's commands (or a few top-level commands), imported only when argv names one of
 * its nouns: `grc --help` imports no command file, `grc auth status` only the auth ones.
 */
export interface CommandGroup {
  /** First words of the group's command paths, in help order (checked by a unit test). */
  nouns: readonly string[];
  load(): Promise<readonly CommandSpec<never>[]>;
}

/** Every command grc has, one group per folder of src/commands. Handlers load lazily too. */
export const commandGroups: readonly CommandGroup[] = [
  { nouns: ["auth"], load: async () => (await import("../commands/auth/index.js")).authCommands },
  {
    nouns: ["config"],
    load: async () => (await import("../commands/config/index.js")).configCommands,
  },
  {
    nouns: ["evidence"],
    load: async () => (await import("../commands/evidence/index.js")).evidenceCommands,
  },
  {
    nouns: ["alerts", "list", "get"],
    load: async () => (await import("../commands/query/index.js")).queryCommands,
  },
  {
    nouns: ["strata"],
    load: async () => (await import("../commands/strata/index.js")).strataCommands,
  },
  { nouns: ["api"], load: async () => (await import("../commands/api/index.js")).apiCommands },
  { nouns: ["mcp"], load: async () => (await import("../commands/mcp/index.js")).mcpCommands },
  { nouns: ["mock"], load: async () => (await import("../commands/mock/index.js")).mockCommands },
  {
    nouns: ["completion"],
    load: async () => (await import("../commands/completion/index.js")).completionCommands,
  },
  { nouns: ["demo"], load: async () => (await import("../commands/demo/index.js")).demoCommands },
];

/** Every command, in help order (completion scripts, tests). */
export async function loadAllCommands(): Promise<CommandSpec<never>[]> {
  const groups = await Promise.all(commandGroups.map((g) => g.load()));
  return groups.flat();
}

/**
 * The commands argv can reach: the named noun's group; none for `grc`, `grc --help` and
 * `grc --version` (help lists the nouns from `nounSummaries`); all for anything else
 * (`grc help auth`, a typo that deserves a suggestion).
 */
export async function commandsFor(argv: readonly string[]): Promise<CommandSpec<never>[]> {
  const first = argv[0];
  if (first === undefined || first.startsWith("-")) return [];
  const group = commandGroups.find((g) => g.nouns.includes(first));
  return group ? [...(await group.load())] : loadAllCommands();
}

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
