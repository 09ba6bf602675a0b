import { resolve as resolvePath } from "node:path";
import { defineCommand, outputFormat } from "../../cli/command.js";
import {
  getSetting,
  listSettings,
  SETTING_KEYS,
  setSetting,
  unsetSetting,
} from "../../core/config/keys.js";
import { targetProfileName } from "../../core/config/profile-name.js";
import { UsageError } from "../../errors.js";
import {
  type Column,
  RecordWriter,
  stdoutSink,
  writeWithBackpressure,
} from "../../output/records.js";
import { openStore } from "./open-store.js";

const profileOption = {
  flags: "--profile <name>",
  description: "profile to work on (default: GRC_PROFILE, else the active profile)",
};
const keysHelp = [
  `Keys: ${SETTING_KEYS.join(", ")}.`,
  "Credentials are set only with `grc auth login`; a *_command key names a program that prints",
  "the secret instead (no shell; a JSON array for arguments with spaces), e.g.",
  "  grc config set api_key_command 'op read op://Private/grc/api_key'",
  `  grc config set session_command '["vault","kv","get","-field=session","secret/grc"]'`,
  "Setting one replaces the profile's stored secret. See docs/credentials.md.",
].join("\n");

/** `grc config get <key>`: prints one stored value; exit 1 when it is not set. */
export const getCommand = defineCommand<{ profile?: string }>({
  path: ["config", "get"],
  args: "<key>",
  summary: "Print one setting of the profile",
  help: keysHelp,
  connection: false,
  options: [profileOption],
  async run(ctx, [key], opts) {
    const store = await openStore(ctx);
    const data = store.read();
    const name = targetProfileName(data, opts.profile, ctx.env);
    const value = getSetting(data.profiles[name], key!);
    if (value === undefined) {
      ctx.warn(`grc: ${key} is not set in profile "${name}"`);
      return 1;
    }
    await writeWithBackpressure(ctx.io.stdout, `${value}\n`);
    return 0;
  },
});

/** `grc config set <key> <value>`: validates and stores one setting (creating the profile). */
export const setCommand = defineCommand<{ profile?: string }>({
  path: ["config", "set"],
  args: "<key> <value>",
  summary: "Change one setting of the profile (creates the profile if needed)",
  help: keysHelp,
  connection: false,
  options: [profileOption],
  async run(ctx, [key, value], opts) {
    const store = await openStore(ctx);
    let name = "";
    let note: string | undefined;
    await store.update((data) => {
      name = targetProfileName(data, opts.profile, ctx.env);
      const profile = { ...(data.profiles[name] ?? {}) };
      note = setSetting(profile, key!, value!, (p) => resolvePath(p));
      data.profiles[name] = profile;
    });
    ctx.warn(`Set ${key} in profile "${name}"`);
    if (note) ctx.warn(note);
    return 0;
  },
});

/** `grc config unset <key>`: removes one setting. */
export const unsetCommand = defineCommand<{ profile?: string }>({
  path: ["config", "unset"],
  args: "<key>",
  summary: "Remove one setting from the profile",
  help: keysHelp,
  connection: false,
  options: [profileOption],
  async run(ctx, [key], opts) {
    const store = await openStore(ctx);
    const data = store.read();
    const name = targetProfileName(data, opts.profile, ctx.env);
    const profile = data.profiles[name];
    if (getSetting(profile, key!) === undefined) {
      ctx.warn(`${key} was not set in profile "${name}"; nothing to remove`);
      return 0;
    }
    await store.update((d) => {
      unsetSetting(d.profiles[name]!, key!);
    });
    ctx.warn(`Removed ${key} from profile "${name}"`);
    return 0;
  },
});

/** One row of `grc config list`. */
interface SettingRow {
  key: string;
  value: string;
}
const settingColumns: Column<SettingRow>[] = [{ key: "key" }, { key: "value" }];

/** `grc config list`: the profile's non-secret settings. */
export const listCommand = defineCommand<{ profile?: string; output?: string; json?: boolean }>({
  path: ["config", "list"],
  summary: "List the profile's settings (never its credential)",
  connection: false,
  output: true,
  options: [profileOption],
  async run(ctx, _args, opts) {
    const store = await openStore(ctx);
    const data = store.read();
    const name = targetProfileName(data, opts.profile, ctx.env);
    const format = outputFormat(opts);
    const writer = new RecordWriter<SettingRow>(stdoutSink(ctx.io, format), settingColumns);
    for (const [key, value] of listSettings(data.profiles[name]))
      await writer.write({ key, value });
    await writer.end();
    if (writer.written === 0 && format === "table") ctx.warn(`profile "${name}" has no settings`);
    return 0;
  },
});

/** `grc config use <profile>`: makes a stored profile the active one. */
export const useCommand = defineCommand({
  path: ["config", "use"],
  args: "<profile>",
  summary: "Make a profile the active one",
  connection: false,
  async run(ctx, [name]) {
    const store = await openStore(ctx);
    await store.update((data) => {
      if (!Object.hasOwn(data.profiles, name!)) {
        const names = Object.keys(data.profiles);
        throw new UsageError(
          `profile "${name}" does not exist${names.length ? `; profiles: ${names.join(", ")}` : ""}`,
          `create it with \`grc auth login --profile ${name}\``,
        );
      }
      data.active_profile = name!;
    });
    ctx.warn(`Active profile is now "${name}"`);
    return 0;
  },
});

/** `grc config path`: prints the config file's path (works even when the file is broken). */
export const pathCommand = defineCommand({
  path: ["config", "path"],
  summary: "Print the path of the config file",
  connection: false,
  async run(ctx) {
    const { configFilePath } = await import("../../core/config/paths.js");
    await writeWithBackpressure(ctx.io.stdout, `${configFilePath(ctx.env)}\n`);
    return 0;
  },
});

/** `grc config reset --yes`: deletes the config file (all profiles and credentials). */
export const resetCommand = defineCommand<{ yes?: boolean }>({
  path: ["config", "reset"],
  summary: "Delete the config file with every profile and credential",
  connection: false,
  options: [{ flags: "--yes", description: "confirm: delete the file" }],
  async run(ctx, _args, opts) {
    const { openConfigStore } = await import("../../core/config/store.js");
    const store = openConfigStore(ctx.env);
    if (!opts.yes) {
      throw new UsageError(
        `this deletes ${store.path} with every profile and credential`,
        "run again with --yes to confirm",
      );
    }
    ctx.warn(
      store.remove()
        ? `Removed ${store.path}`
        : `No config file at ${store.path}; nothing to remove`,
    );
    return 0;
  },
});
