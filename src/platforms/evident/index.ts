/**
 * The Evident API v2 dialect (seed 004):
 * - collections.ts where collections live (and how a typed name resolves)
 * - pager.ts       media types, GET vs PUT search, following links.next
 * - errors.ts      what its 404/406/422 answers mean for a user; the error dialect
 * - platform.ts    createEvidentPlatform(profile, connect)
 */
export {
  type CollectionTarget,
  collectionTarget,
  KNOWN_COLLECTIONS,
  resourcePath,
} from "./collections.js";
export * from "./columns.js";
export { evidentErrors, explainQueryError, rejectionLines } from "./errors.js";
export {
  type CollectionPager,
  type CollectionPagerInit,
  collectionPager,
  FORM_MEDIA_TYPE,
  JSONAPI_MEDIA_TYPE,
  jsonApiHeaders,
  resourceRequest,
  type SearchMethod,
  URL_LENGTH_LIMIT,
} from "./pager.js";
export { createEvidentPlatform, type EvidentPlatform, evidentCollections } from "./platform.js";
