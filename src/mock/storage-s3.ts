import { createHash } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import aws4 from "aws4";
import { MockOptionError } from "./errors.js";
import {
  encodeKeyPath,
  type ObjectDigest,
  type ObjectStore,
  type StoredObject,
} from "./storage.js";
import type { MockServerOptions } from "./types.js";

/**
 * Real S3-compatible storage behind the mock (`--s3-endpoint`, `--s3-bucket`): upload-url
 * mints genuine SigV4 presigned URLs (aws4 signs them; we never hand-roll SigV4), and
 * verify reads the object back with a signed GET and hashes it. Path-style addressing
 * (`{endpoint}/{bucket}/{key}`), which MinIO, R2 and moto all accept.
 */

type S3Options = NonNullable<MockServerOptions["s3"]>;

/** Creates the S3 backend; throws MockOptionError when the endpoint or credentials are unusable. */
export function createS3ObjectStore(options: S3Options): ObjectStore {
  let endpoint: URL;
  try {
    endpoint = new URL(options.endpoint);
  } catch {
    throw new MockOptionError(
      `--s3-endpoint "${options.endpoint}" is not a URL`,
      "pass it like http://127.0.0.1:9000",
    );
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new MockOptionError(`--s3-endpoint must be http or https, got ${endpoint.protocol}`);
  }
  if (!options.accessKeyId || !options.secretAccessKey) {
    throw new MockOptionError(
      "no S3 credentials for --s3-endpoint",
      "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
  }
  const credentials = {
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
  };
  const region = options.region ?? "us-east-1";
  const base = endpoint.pathname.replace(/\/+$/, "");
  const objectPath = (key: string) => `${base}/${options.bucket}/${encodeKeyPath(key)}`;
  const known = new Map<string, StoredObject>();

  const signedGet = (key: string): Promise<IncomingMessage> => {
    const signed = aws4.sign(
      { host: endpoint.host, path: objectPath(key), method: "GET", service: "s3", region },
      credentials,
    );
    const send = endpoint.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port || undefined,
          path: signed.path,
          method: "GET",
          headers: signed.headers as Record<string, string>,
        },
        resolve,
      );
      req.on("error", reject);
      req.end();
    });
  };

  const digest = async (key: string): Promise<ObjectDigest | undefined> => {
    const res = await signedGet(key);
    if (res.statusCode === 404) {
      res.resume();
      known.delete(key);
      return undefined;
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new Error(`S3 answered ${res.statusCode} reading ${key} back`);
    }
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of res) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const sha256 = hash.digest("hex");
    const contentType = String(res.headers["content-type"] ?? "application/octet-stream");
    known.set(key, {
      object_key: key,
      sha256,
      size,
      content_type: contentType,
      etag: String(res.headers.etag ?? ""),
      stored_at: String(res.headers["last-modified"] ?? ""),
    });
    return { sha256, size, content_type: contentType };
  };

  return {
    kind: "s3",
    presign(method, key, contentType, expiresIn) {
      const signed = aws4.sign(
        {
          host: endpoint.host,
          path: `${objectPath(key)}?X-Amz-Expires=${expiresIn}`,
          method,
          service: "s3",
          region,
          signQuery: true,
          // The PUT must then carry exactly this Content-Type, as with the built-in store.
          headers: method === "PUT" ? { "Content-Type": contentType } : {},
        },
        credentials,
      );
      return `${endpoint.protocol}//${endpoint.host}${signed.path}`;
    },
    digest,
    // S3 keeps no SHA-256 we could trust without reading: stat reads the object back too.
    stat: digest,
    list: () => [...known.values()],
    async clear() {
      known.clear();
    },
    async close() {
      known.clear();
    },
  };
}
