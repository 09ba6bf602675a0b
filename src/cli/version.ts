import { readFileSync } from "node:fs";

/** Set by the bundler (esbuild.config.mjs); absent when tests run the sources. */
declare const __GRC_VERSION__: string | undefined;

/** The package version: compiled into the bundle, read from package.json when running sources. */
export function packageVersion(): string {
  if (typeof __GRC_VERSION__ === "string") return __GRC_VERSION__;
  const pkg = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(pkg) as { version: string }).version;
}
