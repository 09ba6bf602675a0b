import { defineCommand } from "../../cli/command.js";

/** `grc mcp serve`: a read-only Model Context Protocol server on stdio for the profile. */
export const serveCommand = defineCommand({
  path: ["mcp", "serve"],
  summary: "Serve read-only tools to an AI agent over the Model Context Protocol (stdio)",
  stopsOnSignal: true,
  help: [
    "Speaks MCP on stdin/stdout (nothing else is written to stdout; warnings and --debug go to",
    "stderr). The tools read only: evidence_list, evidence_get, receipt_verify, alerts_list,",
    "collection_list, resource_get, strata_list, strata_get, strata_dashboard; the profile's",
    "credential decides which are offered. Lists return one page (at most 100 records) and a",
    "next_page. No tool writes, returns a credential or a download URL.",
    "",
    "Examples:",
    "  claude mcp add grc -- grc mcp serve --profile prod-readonly",
    '  {"mcpServers": {"grc": {"command": "grc", "args": ["mcp", "serve", "--profile", "prod"]}}}',
    "See docs/mcp.md for Claude Desktop, VS Code and Cursor.",
  ].join("\n"),
  async run(ctx) {
    const [{ serveStdio }, { toolsFor }] = await Promise.all([
      import("../../mcp/server.js"),
      import("../../mcp/tools.js"),
    ]);
    // Resolve the profile first: a missing credential fails now, as one line, not per call.
    const profile = await ctx.profile();
    if (profile.credential.kind === "none") {
      const { AuthError } = await import("../../errors.js");
      throw new AuthError(
        `no credentials for profile "${profile.name}"`,
        "run `grc auth login --profile NAME` (a read-only key is enough) and pass --profile NAME",
      );
    }
    // stdout is the protocol's: a stray console.log from any library would corrupt it.
    const { format } = await import("node:util");
    const toStderr = (...args: unknown[]) => ctx.warn(format(...args));
    console.log = toStderr;
    console.info = toStderr;
    console.debug = toStderr;
    const tools = toolsFor(profile.credential.kind);
    ctx.debug(`mcp: profile "${profile.name}", tools: ${tools.map((t) => t.name).join(", ")}`);
    if (ctx.io.stdinIsTTY) {
      ctx.warn(
        "grc mcp serve speaks the Model Context Protocol on stdin/stdout: start it from an MCP client (docs/mcp.md); Ctrl-C quits",
      );
    }
    await serveStdio(ctx, tools, { cwd: ctx.cwd });
    return 0;
  },
});
