import type { CommandContext } from "../../cli/command.js";
import { readRecordInput } from "../../core/strata/record-input.js";
import { pagingHint } from "../../output/paging-hint.js";
import { checkRecordBody, STRATA_FIELDS, type StrataModule } from "../../platforms/strata/index.js";
import type { ListFlags, RecordInputFlags } from "./options.js";
import {
  MODULE_COLUMNS,
  type OutputFlags,
  openStrata,
  recordWriter,
  writeRecord,
} from "./render.js";

/**
 * Lists a module: one page (telling on stderr when there are more), or every page with --all,
 * written as the pages arrive.
 */
export async function runList(
  ctx: CommandContext,
  module: StrataModule,
  filters: Record<string, unknown>,
  opts: ListFlags,
): Promise<number> {
  const strata = await openStrata(ctx);
  const writer = recordWriter(ctx, opts, MODULE_COLUMNS[module]);
  if (opts.all) {
    for await (const page of strata.listAll(module, filters, opts.perPage)) {
      for (const row of page.items) await writer.write(row);
    }
  } else {
    const page = await strata.list(module, filters, {
      ...(opts.page ? { page: opts.page } : {}),
      ...(opts.perPage ? { perPage: opts.perPage } : {}),
    });
    for (const row of page.items) await writer.write(row);
    if (page.page < page.totalPages) {
      ctx.warn(
        pagingHint({
          shown: page.items.length,
          total: page.total,
          noun: module,
          page: page.page,
          pages: page.totalPages,
        }),
      );
    }
  }
  await writer.end();
  return 0;
}

/** Shows one record. */
export async function runGet(
  ctx: CommandContext,
  module: StrataModule,
  id: number,
  opts: OutputFlags,
): Promise<number> {
  const strata = await openStrata(ctx);
  await writeRecord(ctx, opts, await strata.get(module, id));
  return 0;
}

/** Creates a record from --field/--data after checking every field and enum locally. */
export async function runCreate(
  ctx: CommandContext,
  module: StrataModule,
  singular: string,
  opts: RecordInputFlags,
): Promise<number> {
  const raw = await readRecordInput({ data: opts.data, fields: opts.field }, ctx.io.stdin);
  const body = checkRecordBody(STRATA_FIELDS[module], raw, `a ${singular}`, false);
  const strata = await openStrata(ctx);
  await writeRecord(ctx, opts, await strata.create(module, body));
  return 0;
}

/** Changes the given fields of a record (checked locally first). */
export async function runUpdate(
  ctx: CommandContext,
  module: StrataModule,
  singular: string,
  id: number,
  opts: RecordInputFlags,
): Promise<number> {
  const raw = await readRecordInput({ data: opts.data, fields: opts.field }, ctx.io.stdin);
  const body = checkRecordBody(STRATA_FIELDS[module], raw, `a ${singular}`, true);
  const strata = await openStrata(ctx);
  await writeRecord(ctx, opts, await strata.update(module, id, body));
  return 0;
}

/** Deletes a record; people get one line, scripts the server's `{id, deleted}`. */
export async function runDelete(
  ctx: CommandContext,
  module: StrataModule,
  singular: string,
  id: number,
  opts: OutputFlags,
): Promise<number> {
  const strata = await openStrata(ctx);
  const result = await strata.remove(module, id);
  if (opts.output || opts.json) await writeRecord(ctx, opts, result);
  else ctx.io.stdout.write(`deleted ${singular} ${id}\n`);
  return 0;
}
