import { defineCommand, outputFormat } from "../../cli/command.js";
import { storedCredentialKind } from "../../core/config/credential.js";
import { type Column, RecordWriter, stdoutSink } from "../../output/records.js";
import { openStore } from "../config/open-store.js";

/** One row of `grc auth list`. */
export interface ProfileRow {
  active: boolean;
  name: string;
  platform: string | null;
  base_url: string | null;
  org_id: string | null;
  credential: string | null;
}

const columns: Column<ProfileRow>[] = [
  { key: "active", header: "", format: (v) => (v ? "*" : "") },
  { key: "name" },
  { key: "platform" },
  { key: "base_url" },
  { key: "org_id" },
  { key: "credential" },
];

/** `grc auth list`: the stored profiles, the active one marked; never a secret. */
export const listCommand = defineCommand<{ output?: string; json?: boolean }>({
  path: ["auth", "list"],
  summary: "List stored profiles (the active one is marked *)",
  connection: false,
  output: true,
  async run(ctx, _args, opts) {
    const store = await openStore(ctx);
    const data = store.read();
    const writer = new RecordWriter<ProfileRow>(stdoutSink(ctx.io, outputFormat(opts)), columns);
    for (const [name, p] of Object.entries(data.profiles).sort(([a], [b]) => a.localeCompare(b))) {
      const kind = storedCredentialKind(p);
      await writer.write({
        active: name === data.active_profile,
        name,
        platform: p.platform ?? null,
        base_url: p.base_url ?? null,
        org_id: p.org_id ?? null,
        credential: kind === "none" ? null : kind,
      });
    }
    await writer.end();
    if (writer.written === 0 && outputFormat(opts) === "table") {
      ctx.warn(`no profiles in ${store.path}; create one with \`grc auth login\``);
    }
    return 0;
  },
});
