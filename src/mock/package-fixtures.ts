import { fileURLToPath } from "node:url";

let chosen: string | undefined;

/**
 * Points the mock at the package's fixtures/ folder. The CLI calls it because a bundle or a
 * single executable does not keep fixtures/ at a fixed path relative to this module.
 */
export function usePackageFixtures(dir: string): void {
  chosen = dir;
}

/** The package's fixtures/ folder: the one chosen by the CLI, else two levels above src/mock. */
export function packageFixturesDir(): string {
  return chosen ?? fileURLToPath(new URL("../../fixtures/", import.meta.url));
}
