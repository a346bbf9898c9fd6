/** Virtual devices and fleets: device models (files, generators) and the runtime that runs them as MQTT clients; faults
 * that break them on purpose. */
export * from './model/index.js';
export * from './runtime/index.js';
export * from './faults/index.js';
export * from './service/index.js';
