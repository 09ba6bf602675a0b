/** The StrataGRC platform: record modules over the one signed client, and its error dialect. */
import type { Platform, PlatformProfile, RecordListApi } from "../../core/platform.js";
import type { ApiClient } from "../../http/types.js";
import { StrataApi } from "./api.js";
import { strataErrors } from "./errors.js";
import type { StrataModule } from "./paths.js";

/** StrataGRC: its module calls (`api`), record lists and error dialect. */
export interface StrataPlatform extends Platform {
  readonly name: "strata";
  /** Every call seed 001 documents (records, actions, dashboard, case evidence). */
  readonly api: StrataApi;
  readonly records: RecordListApi<StrataModule>;
}

/** Builds the platform for a profile: its module paths and organization, then the client. */
export async function createStrataPlatform(
  profile: PlatformProfile,
  connect: () => Promise<ApiClient>,
): Promise<StrataPlatform> {
  const api = new StrataApi(await connect(), { paths: profile.paths, orgId: profile.orgId });
  return { name: "strata", errors: strataErrors, api, records: api };
}
