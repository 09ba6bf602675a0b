import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { HttpError } from "../../../../src/errors.js";
import type { StorageClient, StorageRequest, StorageResponse } from "../../../../src/http/types.js";
import type {
  Lineage,
  LinkParams,
  UploadUrl,
  UploadUrlParams,
  VerifyResult,
} from "../../../../src/platforms/sovereign/index.js";
import { sovereignErrors } from "../../../../src/platforms/sovereign/index.js";

/**
 * An in-memory Sovereign evidence API plus presigned storage that behaves like seed 000 and
 * the mock: URLs sign the content type, storage checks Content-Length against the bytes it
 * reads and hashes what it stores, link is idempotent per (sha256, control). Tests script
 * faults with the hooks and assert what "reached the server".
 */
export class FakePlatform {
  readonly objects = new Map<
    string,
    { sha256: string; size: number; contentType: string; bytes: Buffer }
  >();
  readonly lineage = new Map<string, Lineage>();
  readonly calls: string[] = [];
  readonly uploadUrlBodies: UploadUrlParams[] = [];
  readonly puts: {
    objectKey: string;
    contentType: string;
    contentLength: number;
    bytes: number;
  }[] = [];
  maxSize = 5 * 1024 ** 3;
  expiresIn = 900;
  private seq = 0;
  /** Answers the next PUTs with this status/body before storing anything. */
  storageFaults: { status: number; code: string; message: string }[] = [];
  /** Errors thrown by the next upload-url calls (401/403/503 tests). */
  uploadUrlErrors: Error[] = [];
  /** Stores altered bytes (verify must catch it). */
  corrupt = false;

  readonly evidence = {
    // Sovereign's own dialect: which of its errors stop the run (storage not configured).
    errors: sovereignErrors,
    requestUploadUrl: async (p: UploadUrlParams): Promise<UploadUrl> => {
      this.calls.push(`upload-url ${p.filename}`);
      this.uploadUrlBodies.push(p);
      const err = this.uploadUrlErrors.shift();
      if (err) throw err;
      const key = `orgs/o/evidence/${++this.seq}/${p.filename}`;
      return {
        upload_url: `http://storage.test/grc-evidence/${key}?ct=${encodeURIComponent(p.content_type)}`,
        object_key: key,
        expires_in: this.expiresIn,
        max_size: this.maxSize,
      };
    },
    verifyObject: async (objectKey: string, sha256: string): Promise<VerifyResult> => {
      this.calls.push(`verify ${objectKey}`);
      const obj = this.objects.get(objectKey);
      if (!obj) throw new HttpError("object not found", { status: 404 });
      if (obj.sha256 !== sha256) {
        return {
          verified: false,
          object_key: objectKey,
          expected_hash: sha256,
          actual_hash: obj.sha256,
          size: obj.size,
          detail: "hash mismatch: stored object has a different SHA-256",
        };
      }
      return {
        verified: true,
        object_key: objectKey,
        expected_hash: sha256,
        actual_hash: sha256,
        size: obj.size,
      };
    },
    linkToControl: async (p: LinkParams): Promise<Lineage> => {
      this.calls.push(`link ${p.object_key}`);
      const obj = this.objects.get(p.object_key);
      if (!obj) throw new HttpError("object not found", { status: 404 });
      if (obj.sha256 !== p.evidence_id) {
        throw new HttpError("evidence_id does not match the SHA-256 of the stored object", {
          status: 422,
        });
      }
      const key = `${p.evidence_id}|${p.control_id}`;
      const existing = this.lineage.get(key);
      if (existing) return { ...existing, created: false };
      const row: Lineage = {
        lineage_id: `lin-${this.lineage.size + 1}`,
        evidence_id: p.evidence_id,
        control_id: p.control_id,
        framework_id: p.framework_id ?? null,
        assessment_id: p.assessment_id ?? null,
        created: true,
      };
      this.lineage.set(key, row);
      return row;
    },
  };

  readonly storage: StorageClient = {
    request: async (req: StorageRequest): Promise<StorageResponse> => {
      const url = new URL(req.url);
      const objectKey = decodeURIComponent(url.pathname.replace(/^\/grc-evidence\//, ""));
      const signedType = url.searchParams.get("ct");
      const contentType = req.headers?.["content-type"] ?? "";
      this.calls.push(`put ${objectKey}`);
      const fault = this.storageFaults.shift();
      if (fault) return xml(fault.status, fault.code, fault.message);
      if (contentType !== signedType) {
        return xml(
          403,
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match",
        );
      }
      if (req.contentLength === undefined) {
        return xml(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
      }
      if (req.contentLength > this.maxSize) return xml(400, "EntityTooLarge", "too large");
      const body = typeof req.body === "function" ? req.body() : Readable.from([req.body ?? ""]);
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(Buffer.from(c as Buffer));
      let bytes = Buffer.concat(chunks);
      this.puts.push({
        objectKey,
        contentType,
        contentLength: req.contentLength,
        bytes: bytes.length,
      });
      if (bytes.length !== req.contentLength) return xml(400, "IncompleteBody", "short body");
      if (this.corrupt) bytes = Buffer.concat([bytes, Buffer.from("x")]);
      this.objects.set(objectKey, {
        sha256: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
        contentType,
        bytes,
      });
      return { status: 200, headers: { etag: '"e"' }, body: Readable.from([]) };
    },
    close: async () => {},
  };
}

function xml(status: number, code: string, message: string): StorageResponse {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`;
  return {
    status,
    headers: { "content-type": "application/xml" },
    body: Readable.from([Buffer.from(text)]),
  };
}

/** SHA-256 of text or bytes, hex. */
export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
