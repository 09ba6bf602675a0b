/**
 * multipart/form-data bodies (RFC 7578) as the mock reads them: StrataGRC's case evidence
 * upload. Parts are views of the body, not copies.
 */

/** A body that is not well-formed multipart/form-data; the message says what is wrong. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** Splits a multipart/form-data body (RFC 7578) into its parts without copying them. */
export function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new MultipartError("multipart body has no boundary");
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new MultipartError("malformed multipart body");
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") return parts;
    if (body.subarray(pos, pos + 2).toString() !== "\r\n") break;
    pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) break;
    const headers = body.subarray(pos, headerEnd).toString("utf8").split("\r\n");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) break;
    let name = "";
    let filename: string | undefined;
    let partType: string | undefined;
    for (const line of headers) {
      const [key, ...rest] = line.split(":");
      const value = rest.join(":").trim();
      if (key?.toLowerCase() === "content-disposition") {
        name = /\bname="([^"]*)"/i.exec(value)?.[1] ?? "";
        filename = /\bfilename="([^"]*)"/i.exec(value)?.[1];
      } else if (key?.toLowerCase() === "content-type") {
        partType = value;
      }
    }
    parts.push({ name, filename, contentType: partType, data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
  throw new MultipartError("malformed multipart body");
}
