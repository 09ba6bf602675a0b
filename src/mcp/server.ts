import type { CommandContext } from "../cli/command.js";
import { packageVersion } from "../cli/version.js";
import { GrcError } from "../errors.js";
import { jsonText } from "../output/records.js";
import { oneLine } from "../output/sanitize.js";
import { checkInput } from "./input-schema.js";
import { type LocalEnv, scrubUrls, type ToolSpec } from "./tools.js";

/** What a tool call answers: JSON text, or one error line flagged isError. */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  isError?: boolean;
}

/** The one line the CLI would print for this error (`grc: <problem> — <fix>`). */
export function errorLine(err: unknown): string {
  if (err instanceof GrcError) return `grc: ${oneLine(err.line())}`;
  const message = err instanceof Error ? err.message : String(err);
  return `grc: unexpected error: ${oneLine(message)} — run again with --debug for details`;
}

/**
 * Runs one tool call: checks the arguments against the tool's schema, runs it with a signal
 * that also stops when the client cancels the request, and answers JSON text (presigned URL
 * signatures scrubbed) or the CLI's error line.
 */
export async function callTool(
  ctx: CommandContext,
  tools: readonly ToolSpec[],
  name: string,
  input: unknown,
  local: LocalEnv,
  cancel?: AbortSignal,
): Promise<ToolResult> {
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    return {
      isError: true,
      content: [
        {
          type: "text",
          text: `grc: unknown tool "${oneLine(name)}" — tools: ${tools.map((t) => t.name).join(", ")}`,
        },
      ],
    };
  }
  try {
    const args = checkInput(tool.name, tool.inputSchema, input);
    const signal = cancel ? AbortSignal.any([ctx.signal, cancel]) : ctx.signal;
    const value = await tool.run({ ...ctx, signal }, args, local);
    return { content: [{ type: "text", text: jsonText(scrubUrls(value), 2) }] };
  } catch (err) {
    const line = errorLine(err);
    ctx.debug(`mcp: ${tool.name} failed: ${line}`);
    if (ctx.globals.debug && err instanceof Error && err.stack) ctx.debug(err.stack);
    return { isError: true, content: [{ type: "text", text: line }] };
  }
}

/**
 * Serves the tools over stdio until the client closes stdin or a signal arrives. The SDK
 * loads here, when `grc mcp serve` runs; stdout carries only protocol messages.
 */
export async function serveStdio(
  ctx: CommandContext,
  tools: readonly ToolSpec[],
  local: LocalEnv,
): Promise<void> {
  const [{ Server }, { StdioServerTransport }, types] = await Promise.all([
    import("@modelcontextprotocol/sdk/server/index.js"),
    import("@modelcontextprotocol/sdk/server/stdio.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]);
  const server = new Server(
    { name: "grc", title: "grc (read-only GRC evidence and findings)", version: packageVersion() },
    {
      capabilities: { tools: {} },
      instructions:
        "Read-only access to the GRC platform of one grc profile. List tools page through results: pass the result's next_page as page to continue. No tool writes, and none returns credentials or download URLs.",
    },
  );
  server.setRequestHandler(types.ListToolsRequestSchema, async () => ({
    tools: tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema,
      annotations: {
        title: t.title,
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: t.credentials !== "any",
      },
    })),
  }));
  server.setRequestHandler(types.CallToolRequestSchema, async (request, extra) =>
    callTool(ctx, tools, request.params.name, request.params.arguments, local, extra.signal),
  );
  const transport = new StdioServerTransport(ctx.io.stdin, ctx.io.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    ctx.io.stdin.once("end", () => resolve());
    ctx.io.stdin.once("close", () => resolve());
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  transport.onerror = (err) => ctx.warn(`grc: mcp: ${oneLine(err.message)}`);
  await server.connect(transport);
  ctx.debug(`mcp: serving ${tools.length} tool(s) on stdio`);
  await closed;
  await server.close().catch(() => {});
}
