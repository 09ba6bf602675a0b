import { createHash } from "node:crypto";
import { appendFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../errors.js";

/**
 * A query snapshot: a query's result written as a file, so it can be pushed and linked like
 * any evidence file. The file is deterministic for the same data: records in a stable order
 * (type, then id), keys sorted, two-space JSON, one trailing newline. The fetch time is the
 * one volatile fact: the file keeps the time its exact content was first fetched, and a fetch
 * that returns the same result leaves the file untouched (same bytes, same mtime), so the
 * push state and the plan recognise it as already linked. Every fetch, changed or not, is
 * appended to `<name>.fetches.ndjson` beside it (not evidence; the audit trail of fetches).
 */

/** One request the snapshot's query sent, as it went on the wire (no credentials). */
export interface SnapshotRequest {
  method: string;
  url: string;
  /** A PUT search's form body. */
  body?: string;
}

/** Where the records came from. */
export interface SnapshotSource {
  /** "evident" (JSON:API) or "strata". */
  platform: string;
  base_url: string;
  org_id: string | null;
  /** The query as the user wrote it (collection, filters, ...). */
  query: Record<string, unknown>;
}

/** The snapshot file's content. */
export interface SnapshotDocument {
  grc_snapshot: 1;
  source: SnapshotSource;
  requests: SnapshotRequest[];
  /** UTC time this exact content was first fetched (ISO 8601). */
  fetched_at: string;
  count: number;
  /** SHA-256 of the records as compact JSON with sorted keys plus "\n" (`jq -cS .records`). */
  records_sha256: string;
  records: unknown[];
}

/** JSON with object keys sorted at every depth; `indent` 0 is compact. */
export function canonicalJson(value: unknown, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/** SHA-256 (hex) of text. */
export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The SHA-256 of a record list, as an auditor recomputes it: `jq -cS .records FILE | sha256sum`. */
export function recordsSha256(records: readonly unknown[]): string {
  return sha256Hex(`${canonicalJson(records)}\n`);
}

function idOrder(a: unknown, b: unknown): number {
  const sa = a === undefined || a === null ? "" : String(a);
  const sb = b === undefined || b === null ? "" : String(b);
  if (/^\d+$/.test(sa) && /^\d+$/.test(sb)) {
    const d = sa.length - sb.length;
    if (d !== 0) return d;
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Records in a stable order: by `type`, then `id` (numeric ids numerically); ties keep their order. */
export function sortRecords<T>(records: readonly T[]): T[] {
  const field = (r: unknown, k: string) =>
    r && typeof r === "object" ? (r as Record<string, unknown>)[k] : undefined;
  return [...records].sort(
    (a, b) =>
      idOrder(field(a, "type"), field(b, "type")) || idOrder(field(a, "id"), field(b, "id")),
  );
}

/** Builds the document of a snapshot (records sorted). */
export function snapshotDocument(input: {
  source: SnapshotSource;
  requests: readonly SnapshotRequest[];
  records: readonly unknown[];
  fetchedAt: Date;
}): SnapshotDocument {
  const records = sortRecords(input.records);
  return {
    grc_snapshot: 1,
    source: input.source,
    requests: [...input.requests],
    fetched_at: input.fetchedAt.toISOString(),
    count: records.length,
    records_sha256: recordsSha256(records),
    records,
  };
}

/**
 * The bytes of a snapshot file: the top-level fields in a fixed order (what was asked before
 * what came back), every object below with sorted keys, two-space indent, one newline.
 */
export function snapshotText(doc: SnapshotDocument): string {
  const ordered = {
    grc_snapshot: doc.grc_snapshot,
    source: sortKeys(doc.source),
    requests: sortKeys(doc.requests),
    fetched_at: doc.fetched_at,
    count: doc.count,
    records_sha256: doc.records_sha256,
    records: sortKeys(doc.records),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * A stable file name for an ad-hoc query (`grc alerts list ... --evidence`): the collection
 * plus a short hash of where and what it asked, so the same query lands on the same file
 * (and the state recognises it) and another query on another file.
 */
export function snapshotName(
  label: string,
  where: { base_url: string; org_id: string | null },
  firstRequest: SnapshotRequest | undefined,
): string {
  const stem = label.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "query";
  const key = canonicalJson([where.base_url, where.org_id, firstRequest ?? null]);
  return `${stem}-${sha256Hex(key).slice(0, 12)}`;
}

/** What writing a snapshot did. */
export interface WrittenSnapshot {
  path: string;
  /** SHA-256 of the file's bytes (the evidence id once pushed). */
  sha256: string;
  size: number;
  /** False when the file already held this result and was left as it was. */
  written: boolean;
  document: SnapshotDocument;
}

/**
 * Writes `<dir>/<name>.json` (temp file + rename), unless the file already holds the same
 * result (everything but `fetched_at` equal): then it is left untouched. Appends the fetch to
 * `<name>.fetches.ndjson` either way.
 */
export async function writeSnapshot(
  dir: string,
  name: string,
  doc: SnapshotDocument,
): Promise<WrittenSnapshot> {
  const path = join(dir, `${name}.json`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let kept: SnapshotDocument | undefined;
    const existing = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (existing !== undefined) {
      try {
        const old = JSON.parse(existing) as SnapshotDocument;
        if (
          typeof old.fetched_at === "string" &&
          canonicalJson({ ...old, fetched_at: "" }) === canonicalJson({ ...doc, fetched_at: "" }) &&
          existing === snapshotText(old)
        ) {
          kept = old;
        }
      } catch {
        // not a snapshot of ours (or damaged): replaced below
      }
    }
    const text = kept ? existing! : snapshotText(doc);
    if (!kept) {
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, text, { mode: 0o644 });
      await rename(temp, path).catch(async (err) => {
        await rm(temp, { force: true });
        throw err;
      });
    }
    const sha256 = sha256Hex(text);
    await appendFile(
      join(dir, `${name}.fetches.ndjson`),
      `${JSON.stringify({
        fetched_at: doc.fetched_at,
        file_sha256: sha256,
        records_sha256: doc.records_sha256,
        count: doc.count,
        changed: !kept,
      })}\n`,
      { mode: 0o644 },
    );
    return {
      path,
      sha256,
      size: Buffer.byteLength(text),
      written: !kept,
      document: kept ?? doc,
    };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `cannot write snapshot ${path}: ${e.code ?? e.message}`,
      "pass --snapshot-dir with a writable folder",
    );
  }
}
