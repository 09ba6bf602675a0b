import { chmodSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { platform } from "node:os";
import { join } from "node:path";
import type Conf from "conf";
import { ConfigError } from "../../errors.js";
import { CONFIG_FILE_NAME, configDir } from "./paths.js";
import type { StoredProfile } from "./types.js";
import { type ConfigData, checkConfigShape } from "./validate.js";

/** The mode of the config file: only the owner may read it (it holds secrets). */
export const CONFIG_FILE_MODE = 0o600;
/** The mode of the config directory. */
export const CONFIG_DIR_MODE = 0o700;

/** The profiles file on disk: read, validated, written 0600 in a 0700 directory. */
export interface ConfigStore {
  /** Directory holding the file (GRC_CONFIG_DIR or the platform default). */
  readonly dir: string;
  /** Full path of the config file. */
  readonly path: string;
  /** One-line warnings found on load (modes looser than 0600/0700); the command prints them. */
  readonly warnings: readonly string[];
  /** True when the file exists. */
  exists(): boolean;
  /** The whole file, validated (an empty config when the file does not exist). */
  read(): ConfigData;
  /** Reads, lets `change` edit a copy, and writes the result back (atomically, 0600). */
  update(change: (data: ConfigData) => void): Promise<ConfigData>;
  /** Deletes the file (`grc config reset`); true when there was one. */
  remove(): boolean;
}

/** The one line every "this file is broken" error ends with. */
export function resetHint(path: string): string {
  return `fix the JSON by hand, or remove it with \`grc config reset --yes\` (or rm ${path}) and log in again`;
}

function emptyConfig(): ConfigData {
  return { active_profile: "default", profiles: {} };
}

/** Parses and validates the file's text, throwing a ConfigError that names the file and the fix. */
export function parseConfigText(text: string, path: string): ConfigData {
  if (text.trim() === "") return emptyConfig();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`config file ${path} is not valid JSON (${reason})`, resetHint(path));
  }
  const checked = checkConfigShape(parsed);
  if (!checked.ok) {
    throw new ConfigError(`config file ${path} is invalid: ${checked.problem}`, resetHint(path));
  }
  return checked.value;
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
}

/** Warnings for a file or directory that other users can read (POSIX only). */
function looseModeWarnings(dir: string, file: string): string[] {
  if (platform() === "win32") return [];
  const fileMode = modeOf(file);
  if (fileMode === undefined) return [];
  const warnings: string[] = [];
  if (fileMode & 0o077) {
    warnings.push(
      `warning: config file ${file} is accessible by other users (mode ${(fileMode & 0o777).toString(8)}); run \`chmod 600 ${file}\``,
    );
  }
  const dirMode = modeOf(dir);
  if (dirMode !== undefined && dirMode & 0o077) {
    warnings.push(
      `warning: config directory ${dir} is accessible by other users (mode ${(dirMode & 0o777).toString(8)}); run \`chmod 700 ${dir}\``,
    );
  }
  return warnings;
}

/**
 * Makes the directory 0700. A shared sticky directory (like /tmp, when GRC_CONFIG_DIR points
 * there) is left alone: tightening it would break other users; the load warning names it.
 */
function secureDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: CONFIG_DIR_MODE });
  if (platform() === "win32") return;
  const mode = modeOf(dir);
  if (mode !== undefined && (mode & 0o777) !== CONFIG_DIR_MODE && !(mode & 0o1000)) {
    chmodSync(dir, CONFIG_DIR_MODE);
  }
}

/** Opens the config store for this environment. Throws ConfigError when the file is broken. */
export function openConfigStore(env: NodeJS.ProcessEnv): ConfigStore {
  const dir = configDir(env);
  const path = join(dir, CONFIG_FILE_NAME);
  const warnings = looseModeWarnings(dir, path);
  let conf: Conf<ConfigData> | undefined;
  // Writes go through conf (atomic write with the file mode). It is imported only to write:
  // conf pulls in ajv and friends (~200 ms here), and every API command reads the file.
  const open = async (): Promise<Conf<ConfigData>> => {
    if (!conf) {
      const { default: ConfStore } = await import("conf");
      try {
        conf = new ConfStore<ConfigData>({
          cwd: dir,
          configName: "config",
          fileExtension: "json",
          projectSuffix: "",
          configFileMode: CONFIG_FILE_MODE,
          accessPropertiesByDotNotation: false,
          clearInvalidConfig: false,
          deserialize: (text: string) => parseConfigText(text, path),
          serialize: (value: ConfigData) => `${JSON.stringify(value, null, 2)}\n`,
        });
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw fileError("read", err);
      }
    }
    return conf;
  };
  const fileError = (verb: "read" | "write", err: unknown) =>
    new ConfigError(
      `cannot ${verb} config file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      `check the permissions of ${dir}, or point GRC_CONFIG_DIR elsewhere`,
      { cause: err },
    );
  const read = (): ConfigData => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyConfig();
      throw fileError("read", err);
    }
    return parseConfigText(text, path);
  };
  return {
    dir,
    path,
    warnings,
    exists: () => modeOf(path) !== undefined,
    read,
    async update(change) {
      const data = structuredClone(read());
      change(data);
      // conf would create a missing directory with the umask's mode; create it 0700 first.
      secureDirectory(dir);
      const store = await open();
      try {
        store.store = data;
      } catch (err) {
        throw fileError("write", err);
      }
      // atomically writes a temp file with our mode and renames it; chmod again for filesystems that ignore it.
      if (platform() !== "win32") chmodSync(path, CONFIG_FILE_MODE);
      return data;
    },
    remove() {
      const existed = modeOf(path) !== undefined;
      rmSync(path, { force: true });
      return existed;
    },
  };
}

/** The stored profile of that name, or undefined. */
export function storedProfile(data: ConfigData, name: string): StoredProfile | undefined {
  return Object.hasOwn(data.profiles, name) ? data.profiles[name] : undefined;
}
