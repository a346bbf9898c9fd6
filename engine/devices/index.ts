/** Virtual devices and fleets: real MQTT clients with behaviours, seeded, on an injectable clock. */
export * from './runtime/index.js';
