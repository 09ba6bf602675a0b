import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { UsageError } from "../../errors.js";

/**
 * Builds a create/update body from `--data` (inline JSON, `@file.json`, or `@-` for stdin)
 * and repeatable `--field key=value` pairs; a field wins over the same key in --data. Values
 * of --field stay text here: the platform module types them per field (int, enum) later.
 */
export async function readRecordInput(
  input: { data?: string | undefined; fields?: readonly string[] | undefined },
  stdin: Readable,
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = input.data ? await readData(input.data, stdin) : {};
  for (const pair of input.fields ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(
        `--field "${pair}" is not key=value`,
        'write it as --field title="Lost laptop"',
      );
    }
    body[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return body;
}

async function readData(spec: string, stdin: Readable): Promise<Record<string, unknown>> {
  let text: string;
  let label: string;
  if (spec === "@-") {
    label = "stdin";
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString("utf8");
  } else if (spec.startsWith("@")) {
    const file = spec.slice(1);
    label = file;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new UsageError(
        `cannot read --data file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        "pass --data @path/to/record.json with a readable JSON file",
      );
    }
  } else {
    label = "--data";
    text = spec;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${label} is not valid JSON: ${(err as Error).message}`,
      "--data takes a JSON object, @file.json or @- (stdin)",
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(
      `${label} must hold one JSON object`,
      'for example {"title": "Lost laptop"}',
    );
  }
  return parsed as Record<string, unknown>;
}
