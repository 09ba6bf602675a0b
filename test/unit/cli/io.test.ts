import { PassThrough, type Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DIRECT_STDOUT_BYTES, directStdout } from "../../../src/cli/io.js";

/** A descriptor that records what reaches it; `answer` decides each write(2)'s outcome. */
function descriptor(answer: (call: number, length: number) => number | string = (_, n) => n) {
  const bytes: Buffer[] = [];
  let calls = 0;
  const writeSync = (_fd: number, buffer: Buffer, offset: number): number => {
    const outcome = answer(++calls, buffer.length - offset);
    if (typeof outcome === "string") {
      throw Object.assign(new Error(outcome), { code: outcome });
    }
    bytes.push(Buffer.from(buffer.subarray(offset, offset + outcome)));
    return outcome;
  };
  return { writeSync, text: () => Buffer.concat(bytes).toString(), calls: () => calls };
}

/** node's stream for stdout, created only when asked for. */
function lazyStream() {
  let stream: PassThrough | undefined;
  let text = "";
  return {
    create: (): Writable => {
      stream = new PassThrough();
      stream.on("data", (c: Buffer) => {
        text += c.toString();
      });
      return stream;
    },
    created: () => stream !== undefined,
    text: () => text,
  };
}

async function writeAll(out: Writable, chunks: string[]): Promise<void> {
  for (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

describe("directStdout (stdout that is a pipe or a file)", () => {
  it("writes a little straight to the descriptor and never creates node's stream", async () => {
    const fd = descriptor();
    const stream = lazyStream();
    await writeAll(
      directStdout(1, stream.create, () => {}, fd.writeSync),
      ["a\n", "b\n"],
    );
    expect(fd.text()).toBe("a\nb\n");
    expect(stream.created()).toBe(false);
  });

  it("keeps writing when write(2) takes part of a chunk", async () => {
    const fd = descriptor((_, n) => Math.min(n, 3));
    const stream = lazyStream();
    await writeAll(
      directStdout(1, stream.create, () => {}, fd.writeSync),
      ["0123456789"],
    );
    expect(fd.text()).toBe("0123456789");
    expect(fd.calls()).toBe(4);
    expect(stream.created()).toBe(false);
  });

  it("hands everything past the first bytes to node's stream, in order", async () => {
    const fd = descriptor();
    const stream = lazyStream();
    const line = `${"x".repeat(1023)}\n`;
    const chunks = Array.from({ length: 40 }, (_, i) => `${i}`.padStart(4, "0") + line);
    await writeAll(
      directStdout(1, stream.create, () => {}, fd.writeSync),
      chunks,
    );
    const all = chunks.join("");
    // Whole chunks up to the limit went to the descriptor; the rest, and only it, to the stream.
    expect(fd.text().length).toBeLessThanOrEqual(DIRECT_STDOUT_BYTES);
    expect(fd.text().length).toBeGreaterThan(DIRECT_STDOUT_BYTES - chunks[0]!.length);
    expect(fd.text() + stream.text()).toBe(all);
  });

  it("goes on through node's stream when the descriptor answers EAGAIN mid-chunk", async () => {
    const fd = descriptor((call, n) => (call === 1 ? 4 : call === 2 ? "EAGAIN" : n));
    const stream = lazyStream();
    await writeAll(
      directStdout(1, stream.create, () => {}, fd.writeSync),
      ["abcdefgh", "ij"],
    );
    expect(fd.text()).toBe("abcd");
    expect(stream.text()).toBe("efghij");
    expect(fd.calls()).toBe(2); // nothing more to the descriptor once the stream took over
  });

  it("tells once that the reader went away (EPIPE) and drops what follows", async () => {
    const fd = descriptor(() => "EPIPE");
    const stream = lazyStream();
    let told = 0;
    const out = directStdout(1, stream.create, () => told++, fd.writeSync);
    await writeAll(out, ["a", "b", "c"]);
    expect(told).toBe(1);
    expect(fd.calls()).toBe(1);
    expect(stream.created()).toBe(false);
  });
});
