import { describeBroadSecretScan } from "../reliability/lib/secret-scan.js";

/** Issue 7: the secrets scan over every command of the list (npm test runs a subset). */
describeBroadSecretScan(true);
