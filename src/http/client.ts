// Placeholder until the HTTP client lands (issue 2).
import { UnavailableError } from "../errors.js";
import type { ApiClient, ClientOptions, StorageClient } from "./types.js";

/** Creates the signed API client for a profile. */
export function createApiClient(_options: ClientOptions): ApiClient {
  throw new UnavailableError("the HTTP client is not built yet");
}

/** Creates the credential-free client for presigned storage URLs. */
export function createStorageClient(
  _options: Omit<ClientOptions, "baseUrl" | "credential">,
): StorageClient {
  throw new UnavailableError("the HTTP client is not built yet");
}
