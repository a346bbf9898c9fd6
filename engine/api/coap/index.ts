export { CoapService, type CoapServiceOptions } from './coap-service.js';
export type { CoapPorts } from './coap-ports.js';
export { CoapCode } from './coap-codes.js';
