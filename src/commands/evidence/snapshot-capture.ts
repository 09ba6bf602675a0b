import { realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CommandContext } from "../../cli/command.js";
import { openPlatform } from "../../cli/context.js";
import { configDir } from "../../core/config/paths.js";
import { displayPath, type PushTarget } from "../../core/evidence/discovery.js";
import type {
  JsonApiSnapshotQuery,
  SnapshotSpec,
  StrataSnapshotQuery,
} from "../../core/evidence/map-file.js";
import type { PlanFile } from "../../core/evidence/plan.js";
import {
  type SnapshotRequest,
  type SnapshotSource,
  snapshotDocument,
  type WrittenSnapshot,
  writeSnapshot,
} from "../../core/evidence/snapshot.js";
import { flattenResource, includeTree, indexIncluded } from "../../core/query/flatten.js";
import { decodeDocument, primaryResources } from "../../core/query/jsonapi.js";
import { UsageError } from "../../errors.js";
import type { ApiClient, ApiRequest, ApiResponse } from "../../http/types.js";
import { unwrap } from "../../platforms/strata/index.js";

/**
 * Query snapshots as evidence: run a query through a client that records every request it
 * sends (and every answer), turn the answers into records, write the snapshot file.
 */

/** A client that records what went on the wire (method, URL, PUT body) and what came back. */
export interface RecordingClient {
  client: ApiClient;
  requests: SnapshotRequest[];
  /** Response bodies, in the order the requests were sent. */
  bodies: Buffer[];
}

/** Wraps a client so every successful request and its body are recorded, in order. */
export function recordingClient(inner: ApiClient): RecordingClient {
  const requests: SnapshotRequest[] = [];
  const bodies: Buffer[] = [];
  const record = (req: ApiRequest, res: ApiResponse) => {
    const url = res.url || new URL(req.path, inner.baseUrl).toString();
    requests.push({
      method: req.method,
      url,
      ...(typeof req.body === "string" ? { body: req.body } : {}),
    });
    bodies.push(res.body);
    return res;
  };
  const client: ApiClient = {
    baseUrl: inner.baseUrl,
    request: async (req) => record(req, await inner.request(req)),
    send: (req) => inner.send(req),
    close: () => inner.close(),
  };
  return { client, requests, bodies };
}

/** A context whose API client records (the profile and storage are the same). */
export function recordingContext(ctx: CommandContext): {
  ctx: CommandContext;
  recorder: () => RecordingClient | undefined;
} {
  let recorder: Promise<RecordingClient> | undefined;
  let done: RecordingClient | undefined;
  const wrapped: CommandContext = {
    ...ctx,
    api: async () => {
      recorder ??= ctx.api().then((c) => {
        done = recordingClient(c);
        return done;
      });
      return (await recorder).client;
    },
    // Platforms over the recording client, not the wrapped context's own.
    platform: (name) => openPlatform(wrapped, name),
  };
  return { ctx: wrapped, recorder: () => done };
}

/** Flattened JSON:API resources of recorded pages, each once, at most `limit`. */
export function jsonApiRecords(
  bodies: readonly Buffer[],
  include: readonly string[],
  limit?: number,
): Record<string, unknown>[] {
  const tree = includeTree(include);
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const body of bodies) {
    const doc = decodeDocument(JSON.parse(body.toString("utf8")), "snapshot");
    const index = indexIncluded(doc);
    for (const r of primaryResources(doc)) {
      if (limit !== undefined && out.length >= limit) return out;
      const key = `${r.type}/${r.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(flattenResource(r, index, tree) as Record<string, unknown>);
    }
  }
  return out;
}

/** The records of recorded StrataGRC list pages (`data` of each envelope). */
export function strataRecords(bodies: readonly Buffer[]): unknown[] {
  const out: unknown[] = [];
  // A server that does not page answers page 2 with the whole list again: the client walks
  // on until a page brings nothing new and prints each record once; so does the snapshot.
  const seen = new Set<string>();
  const keep = (record: unknown) => {
    const id = (record as { id?: unknown } | null)?.id;
    if (typeof id === "string" || typeof id === "number") {
      if (seen.has(String(id))) return;
      seen.add(String(id));
    }
    out.push(record);
  };
  for (const body of bodies) {
    // The shapes the StrataGRC client accepts: the envelope, `{data}` or the bare value.
    const { data } = unwrap(JSON.parse(body.toString("utf8")));
    if (Array.isArray(data)) data.forEach(keep);
    else if (data && typeof data === "object") keep(data);
  }
  return out;
}

/** The default snapshot folder of a profile: `<config dir>/snapshots/<profile>/`. */
export function defaultSnapshotDir(env: NodeJS.ProcessEnv, profile: string): string {
  return join(configDir(env), "snapshots", profile);
}

/** Runs one `snapshots:` entry of grc.yaml and writes its file. */
export async function captureConfigSnapshot(
  ctx: CommandContext,
  spec: SnapshotSpec,
  dir: string,
): Promise<WrittenSnapshot> {
  const profile = await ctx.profile();
  const rec = recordingClient(await ctx.api());
  let records: unknown[];
  if (spec.query.kind === "jsonapi") {
    records = await fetchJsonApi(rec, spec.query, profile.orgId, ctx.signal, ctx.now());
  } else {
    records = await fetchStrata(rec, spec.query, spec.origin, profile);
  }
  const source: SnapshotSource = {
    platform: spec.query.kind === "jsonapi" ? "jsonapi" : "strata",
    base_url: rec.client.baseUrl,
    org_id: profile.orgId ?? null,
    query: { ...spec.query },
  };
  const doc = snapshotDocument({ source, requests: rec.requests, records, fetchedAt: ctx.now() });
  return writeSnapshot(dir, spec.name, doc);
}

async function fetchJsonApi(
  rec: RecordingClient,
  query: JsonApiSnapshotQuery,
  orgId: string | undefined,
  signal: AbortSignal,
  now: Date,
): Promise<unknown[]> {
  const [{ buildQuerySpec, MAX_PAGE_SIZE }, { walkPages }, { evidentCollections }] =
    await Promise.all([
      import("../../core/query/query-spec.js"),
      import("../../core/query/walker.js"),
      import("../../platforms/evident/index.js"),
    ]);
  const spec = buildQuerySpec(
    { filter: query.filters, any: query.any, sort: query.sort, include: query.include },
    now,
  );
  const collections = evidentCollections(orgId);
  const target = collections.collection(query.collection);
  const pageSize = query.limit !== undefined ? Math.min(MAX_PAGE_SIZE, query.limit) : MAX_PAGE_SIZE;
  const pager = collections.pager({
    target,
    spec,
    baseUrl: rec.client.baseUrl,
    searchMethod: "auto",
    pageSize,
    walking: true,
  });
  // One page at a time: the recorded requests come out in page order, every run alike.
  for await (const _page of walkPages({
    client: rec.client,
    pager,
    all: true,
    ...(query.limit !== undefined ? { limit: query.limit } : {}),
    concurrency: 1,
    pageSize,
    signal,
  })) {
    // the recorder keeps the bodies
  }
  return jsonApiRecords(rec.bodies, spec.include, query.limit);
}

async function fetchStrata(
  rec: RecordingClient,
  query: StrataSnapshotQuery,
  origin: string,
  profile: {
    paths: Record<string, string>;
    orgId: string | undefined;
    credential: { kind: string };
    name: string;
  },
): Promise<unknown[]> {
  const { createStrataPlatform, STRATA_FILTERS } = await import("../../platforms/strata/index.js");
  if (!Object.hasOwn(STRATA_FILTERS, query.module)) {
    throw new UsageError(
      `map file ${origin} strata.module "${query.module}" is not a StrataGRC module`,
      `use one of: ${Object.keys(STRATA_FILTERS).join(", ")}`,
    );
  }
  const module = query.module as keyof typeof STRATA_FILTERS;
  const known = STRATA_FILTERS[module];
  const bad = Object.keys(query.filters).find((k) => !Object.hasOwn(known, k));
  if (bad !== undefined) {
    throw new UsageError(
      `map file ${origin} strata.filters.${bad} is not a filter of ${module}`,
      `use one of: ${Object.keys(known).join(", ") || "(none)"}`,
    );
  }
  const strata = await createStrataPlatform(profile, async () => rec.client);
  for await (const _page of strata.records.listAll(module, query.filters, 100)) {
    // the recorder keeps the bodies
  }
  return strataRecords(rec.bodies);
}

/** A written snapshot as files to plan or push, one per target. */
export async function snapshotFiles(
  written: WrittenSnapshot,
  targets: readonly PushTarget[],
  cwd: string,
  origin: { origin?: string; snapshot?: string } = {},
): Promise<PlanFile[]> {
  const real = await realpath(written.path);
  const st = await stat(real);
  return targets.map((target) => ({
    path: displayPath(written.path, cwd),
    absPath: written.path,
    realPath: real,
    size: st.size,
    mtimeMs: st.mtimeMs,
    target,
    ...origin,
  }));
}
