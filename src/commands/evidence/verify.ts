import { defineCommand, outputFormat } from "../../cli/command.js";
import { PartialFailureError } from "../../errors.js";

interface VerifyOptions {
  sha256: string;
  output?: string;
  json?: boolean;
}

/** `grc evidence verify <object_key> --sha256 H`: the server recomputes the stored object's hash. */
export const verifyCommand = defineCommand<VerifyOptions>({
  path: ["evidence", "verify"],
  args: "<object_key>",
  summary: "Check that a stored object's SHA-256 matches the hash you expect",
  output: true,
  options: [
    { flags: "--sha256 <hash>", description: "expected SHA-256 (64 hex characters, required)" },
  ],
  help: "Exit 0 when the hashes match, 1 when the stored object differs.",
  async run(ctx, args, opts) {
    const sovereign = await import("../../platforms/sovereign/index.js");
    const { RecordWriter } = await import("../../output/records.js");
    const { UsageError } = await import("../../errors.js");
    if (opts.sha256 === undefined) {
      throw new UsageError(
        "missing --sha256",
        "pass the expected hash, e.g. --sha256 $(sha256sum FILE | cut -d' ' -f1)",
      );
    }
    const expected = sovereign.parseSha256(opts.sha256, "--sha256");
    const objectKey = args[0] ?? "";
    const ev = (await ctx.platform("sovereign")).evidence;
    const result = await ev.verifyObject(objectKey, expected, { signal: ctx.signal });
    const row = {
      object_key: result.object_key,
      verified: result.verified,
      expected_hash: result.expected_hash,
      actual_hash: result.actual_hash ?? null,
      size: result.verified ? (result.size ?? null) : null,
    };
    const format = outputFormat(opts);
    if (format !== "table") {
      const writer = new RecordWriter(
        { stdout: ctx.io.stdout, format, tty: ctx.io.stdoutIsTTY, color: false },
        [
          { key: "object_key" },
          { key: "verified" },
          { key: "expected_hash" },
          { key: "actual_hash" },
          { key: "size" },
        ],
      );
      await writer.write(row);
      await writer.end();
    } else if (result.verified) {
      // A server may answer a bare 2xx (the seed documents no body): the hash shown is then
      // the one it checked against.
      const size = result.size !== undefined ? ` size=${result.size}` : "";
      ctx.io.stdout.write(
        `verified ${result.object_key} sha256=${result.actual_hash ?? result.expected_hash}${size}\n`,
      );
    }
    if (!result.verified) {
      throw new PartialFailureError(
        `${result.detail ?? "hash mismatch"} (object ${objectKey}${result.actual_hash ? `, stored SHA-256 ${result.actual_hash}` : ""})`,
        "the stored object is not the file you hashed; push the file again",
      );
    }
    return 0;
  },
});
