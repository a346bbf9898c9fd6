export * from './http/index.js';
export { HttpApiService } from './http-api-service.js';
export { DeviceHttpsEndpoint } from './device-https/index.js';
export * from './coap/index.js';
export { adaptersApi } from './adapters-api.js';
