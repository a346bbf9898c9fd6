export { serveRpc, UNKNOWN_CALL_ID, type RpcServerOptions } from './rpc-server.js';
export { startUiServer, type UiServer, type UiServerOptions } from './serve.js';
export { WsTransport, defaultWsFlowLimits, type WsFlowLimits } from './ws-transport.js';
export { openBrowser } from './open-browser.js';
export { uiContentSecurityPolicy } from './csp.js';
export { contentTypeOf, resolveStaticPath, openableFile } from './static-files.js';
export { openEngineControl, runningEngine, connectEngine, LineTransport, type EngineAnnouncement } from './engine-control.js';
