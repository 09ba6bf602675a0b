/**
 * Evident's error dialect (seed 004): what its 404/406/422 answers mean for a user. The HTTP
 * layer decodes JSON:API `errors[].title` into the HttpError's details; this module turns them
 * into the lines and fixes a user reads.
 */
import type { ErrorClass, ErrorDialect, ErrorSubject } from "../../core/platform.js";
import { HttpError, UsageError } from "../../errors.js";
import { stripControl } from "../../output/sanitize.js";
import { KNOWN_COLLECTIONS } from "./collections.js";
import { JSONAPI_MEDIA_TYPE } from "./pager.js";

/** Lines a rejected query prints: the server's errors[].title, one per line. */
export function rejectionLines(err: HttpError): string[] {
  return err.details.map((d) => stripControl(d)).filter((d) => d.trim() !== "");
}

/**
 * Turns an HTTP error of a query into what a user should read: 406 explains the Accept
 * header, 404 names the collection or id. Other errors pass through unchanged.
 */
export function explainQueryError(
  err: unknown,
  what: { collection: string; id?: string },
): unknown {
  if (!(err instanceof HttpError)) return err;
  if (err.status === 406) {
    return new UsageError(
      "the server refused the request's media type (406 Not Acceptable)",
      `the API only speaks ${JSONAPI_MEDIA_TYPE} in Accept and Content-Type, which grc sends; check --base-url points at the JSON:API endpoint and no proxy rewrites these headers`,
      { cause: err },
    );
  }
  if (err.status === 404) {
    return what.id === undefined
      ? new UsageError(
          `no collection "${what.collection}" on this server (404)`,
          `use one of: ${KNOWN_COLLECTIONS.join(", ")}`,
          { cause: err },
        )
      : new UsageError(
          `no ${what.collection} with id "${what.id}" (404)`,
          `list them with \`grc list ${what.collection}\``,
          { cause: err },
        );
  }
  return err;
}

/** Evident's dialect: `explain` is explainQueryError. */
export const evidentErrors: ErrorDialect = {
  classify(err: unknown): ErrorClass {
    if (!(err instanceof HttpError)) return "file";
    if (err.status === 401 || err.status === 403) return "fatal";
    if (err.status === 408 || err.status === 429 || err.status >= 500) return "retryable";
    return "file";
  },
  explain: (err: unknown, about?: ErrorSubject) =>
    explainQueryError(err, {
      collection: about?.collection ?? "",
      ...(about?.id !== undefined ? { id: about.id } : {}),
    }),
};
