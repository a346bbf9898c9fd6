/** Virtual devices and fleets: device models (files, generators) and the runtime that runs them as MQTT clients. */
export * from './model/index.js';
export * from './runtime/index.js';
