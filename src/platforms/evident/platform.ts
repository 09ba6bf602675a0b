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
  /** The client the collection requests go through (walkPages, one resource). */
  readonly client: ApiClient;
}

/** The collection query for a profile's organization (which only `evidence` needs). */
export function evidentCollections(orgId?: string): CollectionQueryApi {
  return {
    collection: (name) => collectionTarget(name, orgId),
    pager: collectionPager,
    resource: (type, id, include) => ({
      collection: collectionTarget(type, orgId),
      request: resourceRequest(resourcePath(type, id, orgId), include),
    }),
    rejectionLines,
  };
}

/** Builds the platform for a profile, then opens the client. */
export async function createEvidentPlatform(
  profile: PlatformProfile,
  connect: () => Promise<ApiClient>,
): Promise<EvidentPlatform> {
  const collections = evidentCollections(profile.orgId);
  const client = await connect();
  return { name: "evident", errors: evidentErrors, collections, client };
}
