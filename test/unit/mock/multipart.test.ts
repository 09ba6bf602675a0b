import { describe, expect, it } from "vitest";
import { MultipartError, parseMultipart } from "../../../src/mock/multipart.js";

/** A body as RFC 7578 writes it, with CRLF line ends. */
const body = (boundary: string, ...parts: string[]) =>
  Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`);

describe("parseMultipart", () => {
  it("reads each part's name, filename, content type and bytes", () => {
    const raw = body(
      "XyZ",
      'Content-Disposition: form-data; name="description"\r\n\r\nweekly scan',
      'Content-Disposition: form-data; name="file"; filename="a b.txt"\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2',
    );
    const parts = parseMultipart(raw, "multipart/form-data; boundary=XyZ");
    expect(parts.map((p) => [p.name, p.filename, p.contentType, p.data.toString()])).toEqual([
      ["description", undefined, undefined, "weekly scan"],
      ["file", "a b.txt", "text/plain", "line 1\r\nline 2"],
    ]);
  });

  it("takes a quoted boundary and keeps binary data as it is", () => {
    const bytes = Buffer.from([0, 255, 13, 10, 45, 45]);
    const raw = Buffer.concat([
      Buffer.from('--a;b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n'),
      bytes,
      Buffer.from("\r\n--a;b--"),
    ]);
    const [part] = parseMultipart(raw, 'multipart/form-data; boundary="a;b"');
    expect(part!.data.equals(bytes)).toBe(true);
  });

  it("refuses a body without a boundary, a delimiter or a closing delimiter", () => {
    expect(() => parseMultipart(Buffer.from("x"), "multipart/form-data")).toThrow(
      new MultipartError("multipart body has no boundary"),
    );
    expect(() =>
      parseMultipart(Buffer.from("no parts"), "multipart/form-data; boundary=b"),
    ).toThrow("malformed multipart body");
    const unterminated = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue',
    );
    expect(() => parseMultipart(unterminated, "multipart/form-data; boundary=b")).toThrow(
      MultipartError,
    );
  });
});
