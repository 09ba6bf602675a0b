import type { GrcError } from "../../errors.js";
import type { ErrorClass } from "../platform.js";
import type { DiscoveredFile } from "./discovery.js";
import type { OpenedFile } from "./file-reader.js";
import type { PushEvent } from "./push.js";
import type { ReceiptTimes } from "./receipt.js";
import type { PendingEntry } from "./state-store.js";

/**
 * Where an evidence-upload run sends its files: the one thing `grc evidence push` (Sovereign:
 * upload-url, presigned PUT, verify, link) and `grc strata cases evidence upload` (one
 * multipart POST per file) do differently. Discovery, the decision per file, concurrency,
 * state, receipt, events and the renderer are the pipeline's (src/core/evidence/push.ts).
 */
export interface UploadDestination {
  /** Sends one opened file and links it; resolves with what proves it. */
  upload(job: UploadJob): Promise<Uploaded>;
  /**
   * Two-phase destinations (stored, then linked): links an object a killed run stored and
   * verified but may not have linked. Absent: a pending entry is uploaded again.
   */
  linkPending?(pending: PendingEntry, file: DiscoveredFile): Promise<Linked>;
  /** What an error of this destination means for the run (see ErrorClass). */
  classify(err: unknown, step: string): ErrorClass;
  /** The run-stopping error as the user should read it (a platform's wording). */
  fatalError(err: unknown): GrcError;
}

/** The link that proves a file is where it belongs. */
export interface Linked {
  lineage_id: string;
  created: boolean;
}

/** What an upload proved. */
export interface Uploaded extends Linked {
  sha256: string;
  object_key: string;
  /** true: the server recomputed the hash; false: it did not say; null: not asked. */
  verified: boolean | null;
}

/** One file handed to a destination, with the pipeline's hooks. */
export interface UploadJob {
  file: DiscoveredFile;
  opened: OpenedFile;
  contentType: string;
  /** Ask the server to recompute the stored SHA-256 before linking. */
  verify: boolean;
  /** Step times for the receipt (the destination sets what it does). */
  times: Partial<ReceiptTimes>;
  /** The step in progress ("upload-url", "upload", "verify", "link-to-control"). */
  at: { step: string };
  emit: (event: PushEvent) => void;
  now: () => Date;
  /** The object key, as soon as it is known (a failed file still reports it). */
  keyed(objectKey: string): void;
  /**
   * The bytes are stored: checks the file did not change while read and is what a plan
   * expected (throws otherwise, so it is never linked), then reports it hashed and uploaded.
   */
  sent(sha256: string, objectKey: string): void;
  /** The server's verdict on the stored object's hash. */
  verdict(verified: boolean): void;
  /** Stored and verified, about to link: the journal line a rerun resumes from. */
  beforeLink(stored: { sha256: string; object_key: string; verified: boolean }): Promise<void>;
}
