import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { UsageError } from "../../errors.js";

/**
 * The environment a command runs with under `--env-file FILE`: the file's variables (dotenv
 * syntax, parsed by Node's own `util.parseEnv`, the parser behind `node --env-file`) under
 * the process environment, which wins, as with `node --env-file`. The process environment
 * itself is not changed. Values are never part of an error.
 */
export function mergeEnvFile(file: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : code;
    throw new UsageError(
      `cannot read --env-file ${file} (${why})`,
      "give the path of a readable KEY=value file",
    );
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const merged: NodeJS.ProcessEnv = { ...parsed };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}
