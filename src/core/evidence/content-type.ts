import { extname } from "node:path";

/**
 * Content types of the files compliance evidence usually is. The upload URL is signed over
 * the content type, so the type chosen here is sent twice: in the upload-url request and as
 * the PUT's Content-Type header.
 */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".txt": "text/plain",
  ".log": "text/plain",
  ".md": "text/markdown",
  ".html": "text/html",
  ".htm": "text/html",
  ".xml": "application/xml",
  ".json": "application/json",
  ".ndjson": "application/x-ndjson",
  ".jsonl": "application/x-ndjson",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".toml": "application/toml",
  ".pdf": "application/pdf",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xls": "application/vnd.ms-excel",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".ppt": "application/vnd.ms-powerpoint",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".odt": "application/vnd.oasis.opendocument.text",
  ".ods": "application/vnd.oasis.opendocument.spreadsheet",
  ".rtf": "application/rtf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tgz": "application/gzip",
  ".tar": "application/x-tar",
  ".7z": "application/x-7z-compressed",
  ".pem": "application/x-pem-file",
  ".crt": "application/x-x509-ca-cert",
  ".cer": "application/pkix-cert",
  ".eml": "message/rfc822",
  ".msg": "application/vnd.ms-outlook",
  ".mp4": "video/mp4",
  ".har": "application/json",
  ".sarif": "application/sarif+json",
};

/** The fallback for an unknown extension: storage keeps the bytes as they are. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** Content type of a file from its extension (case-insensitive), octet-stream when unknown. */
export function contentTypeFor(path: string): string {
  return BY_EXTENSION[extname(path).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}

/**
 * Checks a --content-type value: a type/subtype with optional parameters and nothing a
 * header could not carry (it is signed into the URL and sent verbatim).
 */
export function isValidContentType(value: string): boolean {
  return /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/.test(
    value,
  );
}
