/**
 * Eclipse Hono's command & control wire names, shared by the engine's device adapters (through `engine/control`) and
 * the virtual devices that speak them, which may not import `engine/control` [Hono HTTP and CoAP adapter user guides].
 */
export const HONO_TTD = 'hono-ttd';
export const HONO_COMMAND = 'hono-command';
export const HONO_REQUEST_ID = 'hono-cmd-req-id';
export const HONO_STATUS = 'hono-cmd-status';
/** The HTTPS answer path prefix: `POST /command/res/{reqId}` (CoAP accepts it too). */
export const HONO_RESPONSE_PREFIX = '/command/res/';
