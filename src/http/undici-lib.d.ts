// Types for the undici modules src/http/undici.ts loads directly: each is what undici's
// index.js exports under the same name.
declare module "undici/lib/dispatcher/agent.js" {
  const Agent: typeof import("undici").Agent;
  export default Agent;
}
declare module "undici/lib/dispatcher/dispatcher.js" {
  const Dispatcher: typeof import("undici").Dispatcher;
  export default Dispatcher;
}
declare module "undici/lib/dispatcher/env-http-proxy-agent.js" {
  const EnvHttpProxyAgent: typeof import("undici").EnvHttpProxyAgent;
  export default EnvHttpProxyAgent;
}
declare module "undici/lib/core/connect.js" {
  const buildConnector: typeof import("undici").buildConnector;
  export default buildConnector;
}
declare module "undici/lib/api/index.js" {
  const api: Pick<
    import("undici").Dispatcher,
    "request" | "stream" | "pipeline" | "upgrade" | "connect"
  >;
  export default api;
}
