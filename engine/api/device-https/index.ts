export { DeviceHttpsEndpoint, type DeviceHttpsOptions } from './device-https-endpoint.js';
