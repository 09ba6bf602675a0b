/**
 * The parts of undici grc sends requests with, loaded without the rest of the package.
 * undici's entry point loads fetch, WebSocket, the cache and cookie modules, HTTP/2, the mock
 * agent and node:sqlite; a request through an Agent needs none of them, and loading them cost
 * more than the rest of a one-request command. These are undici's own modules, attached the
 * way its index.js attaches them (the request API on the Dispatcher prototype).
 */
import type * as Undici from "undici";
import api from "undici/lib/api/index.js";
import connector from "undici/lib/core/connect.js";
import AgentClass from "undici/lib/dispatcher/agent.js";
import DispatcherClass from "undici/lib/dispatcher/dispatcher.js";
import EnvHttpProxyAgentClass from "undici/lib/dispatcher/env-http-proxy-agent.js";

Object.assign(DispatcherClass.prototype, api);

export const Agent = AgentClass;
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass;
export const buildConnector = connector;
export type Dispatcher = Undici.Dispatcher;
export declare namespace buildConnector {
  type BuildOptions = Undici.buildConnector.BuildOptions;
  type connector = Undici.buildConnector.connector;
}
