/**
 * Device models: the YAML model file, its schema and loader, and the seeded generators that fill a device's messages.
 * Pure code: no network, no wall clock.
 */
export type * from './types.js';
export type * from './sampler-types.js';
