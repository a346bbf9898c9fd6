export * from './api.js';
export * from './types.js';
export * from './shadow-types.js';
export * from './rules-types.js';
export * from './registry-types.js';
export * from './wire.js';
export * from './client.js';
export * from './topic-filter.js';
