import { defineCommand } from "../../cli/command.js";
import { UsageError } from "../../errors.js";
import type { StorageClient } from "../../http/types.js";
import type { DownloadUrl } from "../../platforms/sovereign/index.js";

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
    const sovereign = await import("../../platforms/sovereign/index.js");
    const id = sovereign.parseSha256(args[0] ?? "", "the evidence id");
    const ev = (await ctx.platform("sovereign")).evidence;
    const { PartialFailureError } = await import("../../errors.js");
    let announced: Awaited<ReturnType<typeof ev.requestDownloadUrl>>;
    try {
      announced = await ev.requestDownloadUrl(id, { signal: ctx.signal });
    } catch (err) {
      // An answer about another evidence fails this download, like a mismatching object
      // does: exit 1, nothing written. (An unsafe URL or key stays exit 4: a hostile server.)
      if (err instanceof sovereign.AnotherEvidenceError) {
        throw new PartialFailureError(`${err.message}; nothing was downloaded`, err.hint);
      }
      throw err;
    }
    // The bytes are checked against the id the user asked for, never against the hash the
    // server announces (requestDownloadUrl refuses an answer announcing another one).
    const dl = { ...announced, sha256: id.toLowerCase() };
    const storage = await ctx.storage();
    if (opts.output === "-") {
      await downloadVerified(storage, dl, { stdout: ctx.io.stdout }, ctx.signal);
      return 0;
    }
    // Without an object key in the answer, the stored name is the evidence's `filename`
    // (its metadata, which read:evidence may read), else the id.
    const storedAs =
      announced.object_key === id.toLowerCase() &&
      (opts.output === undefined || (await isFolder(opts.output)))
        ? await ev
            .getEvidence(id, { signal: ctx.signal })
            .then((doc) => doc.data.attributes.filename || dl.object_key)
            .catch(() => dl.object_key)
        : dl.object_key;
    const target = await resolveTarget(opts.output, storedAs, Boolean(opts.force));
    const result = await downloadVerified(storage, dl, { path: target }, ctx.signal);
    ctx.io.stdout.write(
      opts.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `downloaded ${result.path} (${result.size} bytes, sha256 verified)\n`,
    );
    return 0;
  },
});

async function isFolder(path: string): Promise<boolean> {
  const { stat } = await import("node:fs/promises");
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

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
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  let target: string;
  let explicit = given !== undefined;
  if (given !== undefined && !(await isDir(given))) target = resolve(given);
  else {
    // The stored name is the server's choice: only a plain name lands in the folder.
    const storedName = safeStoredName(objectKey);
    target = resolve(join(given ?? ".", storedName));
    explicit = false;
  }
  if (!explicit && !force && (await stat(target).catch(() => undefined))) {
    throw new UsageError(
      `${target} already exists`,
      "pass --force to overwrite it or -o to choose another name",
    );
  }
  return target;
}

/**
 * The last segment of an object key when it is safe to write under that name in a folder
 * the user did not name the file in: not a dot-file (`.bash_profile`, `.git`), no path
 * separator or control character, not "." or "..". Anything else needs `-o`.
 */
export function safeStoredName(objectKey: string): string {
  const name = objectKey.split("/").pop() ?? "";
  const shown = JSON.stringify(name);
  const problem =
    name === ""
      ? "has no file name"
      : name.startsWith(".")
        ? "is a dot-file"
        : /[\\\u0000-\u001f\u007f]/.test(name) || name.length > 255
          ? "is not a plain file name"
          : undefined;
  if (problem) {
    throw new UsageError(
      `the stored file name ${shown} ${problem}; grc does not write it into a folder on the server's word`,
      "pass -o <file> to choose the name",
    );
  }
  return name;
}

/**
 * The most a download whose size neither the platform nor storage declares may bring (the
 * SHA-256 of the evidence id still decides whether it is kept): 5 GiB, the largest object
 * the platform's upload URLs allow by default.
 */
export const MAX_UNDECLARED_DOWNLOAD = 5 * 1024 ** 3;

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

  const { readStorageError, discardBody } = await import("../../http/body-limits.js");
  const res = await storage.request({ method: "GET", url: dl.download_url, signal });
  if (res.status < 200 || res.status >= 300) {
    throw await readStorageError(res, "GET", dl.download_url, new Date(), signal);
  }
  // The platform declared the size: storage announcing more, or sending more, is refused
  // (an endless download would otherwise fill the disk). Without a declared size, storage's
  // Content-Length is the bound, and without either, MAX_UNDECLARED_DOWNLOAD.
  const announced = Number(res.headers["content-length"]);
  const storageLength = Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined;
  if (dl.size !== undefined && storageLength !== undefined && storageLength > dl.size) {
    discardBody(res.body);
    throw new PartialFailureError(
      `storage announces ${storageLength} bytes, more than the ${dl.size} bytes declared for the evidence; nothing was kept`,
      "retry, and report it to the platform operator if it persists",
    );
  }
  const limit = dl.size ?? storageLength ?? MAX_UNDECLARED_DOWNLOAD;
  const expectedSize = dl.size ?? storageLength;
  const hash = createHash("sha256");
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) {
        done(
          new PartialFailureError(
            `storage sent more than the ${limit} bytes ${dl.size !== undefined ? "declared for the evidence" : storageLength !== undefined ? "it announced" : "grc accepts for a download of undeclared size"}; the download was stopped and nothing was kept`,
            "retry, and report it to the platform operator if it persists",
          ),
        );
        return;
      }
      hash.update(chunk);
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
    discardBody(res.body);
    if (signal.aborted) throw new InterruptedError("download interrupted; nothing was kept");
    throw err;
  }
  const sha256 = hash.digest("hex");
  if (sha256 !== dl.sha256 || (expectedSize !== undefined && size !== expectedSize)) {
    if (temp) await unlink(temp).catch(() => {});
    const what =
      sha256 !== dl.sha256
        ? `SHA-256 ${sha256}, expected ${dl.sha256}`
        : `${size} bytes, expected ${expectedSize}`;
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
