import { defineCommand } from "../../cli/command.js";
import { removeCredential } from "../../core/config/credential.js";
import { credentialLabel } from "../../core/config/mask.js";
import { targetProfileName } from "../../core/config/profile-name.js";
import { UsageError } from "../../errors.js";
import { openStore } from "../config/open-store.js";

/** `grc auth logout`: removes a profile's stored credential and keeps its other settings. */
export const logoutCommand = defineCommand<{ profile?: string }>({
  path: ["auth", "logout"],
  summary: "Remove the stored credential of a profile (base URL, org and settings stay)",
  connection: false,
  options: [
    {
      flags: "--profile <name>",
      description: "profile to log out of (default: GRC_PROFILE, else the active profile)",
    },
  ],
  async run(ctx, _args, opts) {
    const store = await openStore(ctx);
    const data = store.read();
    const name = targetProfileName(data, opts.profile, ctx.env);
    if (!Object.hasOwn(data.profiles, name)) {
      const names = Object.keys(data.profiles);
      throw new UsageError(
        `profile "${name}" does not exist in ${store.path}${names.length ? `; profiles: ${names.join(", ")}` : ""}`,
        "see `grc auth list`",
      );
    }
    let removed: ReturnType<typeof removeCredential> = "none";
    await store.update((d) => {
      removed = removeCredential(d.profiles[name]!);
    });
    ctx.warn(
      removed === "none"
        ? `Profile "${name}" had no stored credential; nothing to remove`
        : `Logged out of profile "${name}": removed its ${credentialLabel(removed)}; base URL, org and settings are kept`,
    );
    return 0;
  },
});
