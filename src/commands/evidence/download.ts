import type { Readable } from "node:stream";
import { defineCommand } from "../../cli/command.js";
import type { StorageClient } from "../../http/types.js";
import type { DownloadUrl } from "../../platforms/sovereign.js";

interface DownloadOptions {
  output?: string;
  force?: boolean;
  json?: boolean;
}

/** What a verified download produced. */
export interface DownloadResult {
  path: string;
  size: number;
  sha256: string;
  object_key: string;
  verified: true;
}

/** `grc evidence download <id>`: fetches the stored object and proves it is the evidence. */
export const downloadCommand = defineCommand<DownloadOptions>({
  path: ["evidence", "download"],
  args: "<evidence_id>",
  summary: "Download an evidence file and verify its SHA-256",
  // -o names the file here (like curl -o), so this command has no --output format flag.
  options: [
    {
      flags: "-o, --output <file>",
      description:
        "write to this file or folder (default: the stored file name here; - for stdout)",
    },
    { flags: "--force", description: "overwrite an existing file of the default name" },
    {
      flags: "--json",
      description: "print the result as JSON {path, size, sha256, object_key, verified}",
    },
  ],
  help: [
    "The file is written to a temporary name beside the target and renamed only after its",
    "SHA-256 and size match the evidence; a mismatch deletes it and exits 1. With -o -, bytes",
    "stream to stdout and a mismatch is reported after the fact (exit 1).",
  ].join("\n"),
  async run(ctx, args, opts) {
    const sovereign = await import("../../platforms/sovereign.js");
    const id = sovereign.parseSha256(args[0] ?? "", "the evidence id");
    const orgId = sovereign.orgIdOf(await ctx.profile());
    const ev = sovereign.sovereignEvidence(await ctx.api(), orgId);
    const dl = await ev.requestDownloadUrl(id, { signal: ctx.signal });
    const storage = await ctx.storage();
    if (opts.output === "-") {
      await downloadVerified(storage, dl, { stdout: ctx.io.stdout }, ctx.signal);
      return 0;
    }
    const target = await resolveTarget(opts.output, dl.object_key, Boolean(opts.force));
    const result = await downloadVerified(storage, dl, { path: target }, ctx.signal);
    ctx.io.stdout.write(
      opts.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `downloaded ${result.path} (${result.size} bytes, sha256 verified)\n`,
    );
    return 0;
  },
});

/**
 * The file a download writes: `-o` as given (a folder gets the stored name inside it), or the
 * stored file name in the current folder, which is never overwritten without --force.
 */
export async function resolveTarget(
  given: string | undefined,
  objectKey: string,
  force: boolean,
): Promise<string> {
  const { stat } = await import("node:fs/promises");
  const { join, resolve } = await import("node:path");
  const { UsageError } = await import("../../errors.js");
  // The object key was checked (no "..", not absolute); its last segment is the stored name.
  const storedName = objectKey.split("/").pop() || "evidence";
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  let target: string;
  let explicit = given !== undefined;
  if (given === undefined) target = resolve(storedName);
  else if (await isDir(given)) {
    target = resolve(join(given, storedName));
    explicit = false;
  } else target = resolve(given);
  if (!explicit && !force && (await stat(target).catch(() => undefined))) {
    throw new UsageError(
      `${target} already exists`,
      "pass --force to overwrite it or -o to choose another name",
    );
  }
  return target;
}

/**
 * Streams a presigned GET into a temp file beside the target (or to a stream), hashing on
 * the way; renames only when SHA-256 and size match what the platform recorded.
 */
export async function downloadVerified(
  storage: StorageClient,
  dl: DownloadUrl,
  to: { path: string } | { stdout: NodeJS.WritableStream },
  signal: AbortSignal,
): Promise<DownloadResult> {
  const { createHash, randomBytes } = await import("node:crypto");
  const { createWriteStream } = await import("node:fs");
  const { rename, unlink } = await import("node:fs/promises");
  const { basename, dirname, join } = await import("node:path");
  const { Transform } = await import("node:stream");
  const { pipeline } = await import("node:stream/promises");
  const { PartialFailureError, InterruptedError } = await import("../../errors.js");

  const res = await storage.request({ method: "GET", url: dl.download_url, signal });
  if (res.status < 200 || res.status >= 300) {
    throw await storageError(res.status, res.headers, res.body, dl.download_url);
  }
  const hash = createHash("sha256");
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const temp =
    "path" in to
      ? join(dirname(to.path), `.${basename(to.path)}.${randomBytes(4).toString("hex")}.part`)
      : undefined;
  const sink =
    temp !== undefined
      ? createWriteStream(temp, { flags: "wx" })
      : (to as { stdout: NodeJS.WritableStream }).stdout;
  try {
    await pipeline(res.body, counter, sink, {
      signal,
      ...(temp === undefined ? { end: false } : {}),
    });
  } catch (err) {
    if (temp) await unlink(temp).catch(() => {});
    if (signal.aborted) throw new InterruptedError("download interrupted; nothing was kept");
    throw err;
  }
  const sha256 = hash.digest("hex");
  if (sha256 !== dl.sha256 || size !== dl.size) {
    if (temp) await unlink(temp).catch(() => {});
    const what =
      sha256 !== dl.sha256
        ? `SHA-256 ${sha256}, expected ${dl.sha256}`
        : `${size} bytes, expected ${dl.size}`;
    throw new PartialFailureError(
      `the downloaded object does not match the evidence (${what})`,
      temp
        ? "nothing was kept; retry, and report it if it persists"
        : "discard the bytes written to stdout",
    );
  }
  if ("path" in to && temp) await rename(temp, to.path);
  return {
    path: "path" in to ? to.path : "-",
    size,
    sha256,
    object_key: dl.object_key,
    verified: true,
  };
}

/** Reads a bounded error body from storage and decodes it like the client does (S3 XML). */
async function storageError(
  status: number,
  headers: Record<string, string>,
  body: Readable,
  url: string,
): Promise<Error> {
  const { decodeHttpError } = await import("../../http/error-decoder.js");
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (total < 64 * 1024) chunks.push(chunk);
    total += chunk.length;
  }
  return decodeHttpError({ status, headers, body: Buffer.concat(chunks), method: "GET", url });
}
