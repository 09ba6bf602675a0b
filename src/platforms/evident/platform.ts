/** The Evident platform: JSON:API collection queries and its error dialect. */
import type { CollectionQueryApi, Platform, PlatformProfile } from "../../core/platform.js";
import type { ApiClient } from "../../http/types.js";
import { collectionTarget, resourcePath } from "./collections.js";
import { evidentErrors, rejectionLines } from "./errors.js";
import { collectionPager, resourceRequest } from "./pager.js";

/** Evident: collection queries (plus the Sovereign evidence collection) and its error dialect. */
export interface EvidentPlatform extends Platform {
  readonly name: "evident";
  readonly collections: CollectionQueryApi;
}

/** The collection query for a profile's organization (which only `evidence` needs). */
export function evidentCollections(orgId?: string): CollectionQueryApi {
  return {
    collection: (name) => collectionTarget(name, orgId),
    pager: collectionPager,
    resource: (type, id, include) => {
      // The id is checked before the collection (the order of the errors a user meets).
      const request = resourceRequest(resourcePath(type, id, orgId), include);
      return { collection: collectionTarget(type, orgId), request };
    },
    rejectionLines,
  };
}

/**
 * Builds the platform for a profile. A collection query only builds requests (the walk sends
 * them over the command's client), so it opens no client: `_connect` keeps the shape of the
 * other platforms' constructors.
 */
export async function createEvidentPlatform(
  profile: PlatformProfile,
  _connect?: () => Promise<ApiClient>,
): Promise<EvidentPlatform> {
  return { name: "evident", errors: evidentErrors, collections: evidentCollections(profile.orgId) };
}
