import { homedir, platform } from "node:os";
import { join } from "node:path";

/** Name of the config file inside the config directory. */
export const CONFIG_FILE_NAME = "config.json";

/**
 * The directory grc keeps its config and state in: GRC_CONFIG_DIR when set, else the
 * platform's config directory (XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Preferences
 * on macOS, %APPDATA% on Windows) plus "grc". Reads only the `env` it is given, so tests
 * never touch the real home.
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.GRC_CONFIG_DIR) return env.GRC_CONFIG_DIR;
  const home = env.HOME || homedir();
  switch (platform()) {
    case "darwin":
      return join(home, "Library", "Preferences", "grc");
    case "win32":
      return join(env.APPDATA || join(home, "AppData", "Roaming"), "grc", "Config");
    default:
      return join(env.XDG_CONFIG_HOME || join(home, ".config"), "grc");
  }
}

/** Full path of the config file. */
export function configFilePath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), CONFIG_FILE_NAME);
}

/** Where a profile's push state lives by default: `<configDir>/state/<profile>.json`. */
export function stateFilePath(env: NodeJS.ProcessEnv, profile: string): string {
  return join(configDir(env), "state", `${profile}.json`);
}
