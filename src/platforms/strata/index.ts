/**
 * StrataGRC's dialect (seed 001). Commands and the core speak to StrataGRC only through this
 * folder:
 * - paths.ts    module paths (each overridable by a profile's `paths`), query strings
 * - schema.ts   the enums, fields and filters the seed names (checked before sending)
 * - envelope.ts the `{success, data}` envelope and the shapes a call's data must have
 * - errors.ts   its error codes with their Solution text; the error dialect
 * - api.ts      StrataApi: every call, over the one signed client
 * - platform.ts createStrataPlatform(profile, connect)
 */
export {
  StrataApi,
  type StrataAuthStatus,
  type StrataCaseEvidence,
  type StrataChart,
  type StrataPage,
} from "./api.js";
export { unwrap } from "./envelope.js";
export {
  SESSION_EXPIRED_MESSAGE,
  STRATA_ERROR_SOLUTIONS,
  strataError,
  strataErrors,
} from "./errors.js";
export {
  CASE_EVIDENCE_SUFFIX,
  STRATA_DEFAULT_PATHS,
  type StrataModule,
  type StrataPathKey,
  type StrataTarget,
} from "./paths.js";
export { createStrataPlatform, type StrataPlatform } from "./platform.js";
export {
  checkFieldValue,
  checkRecordBody,
  FINDING_RESPONSE_FIELDS,
  STRATA_ENUMS,
  STRATA_FIELDS,
  STRATA_FILTERS,
  type StrataFieldSpec,
} from "./schema.js";
