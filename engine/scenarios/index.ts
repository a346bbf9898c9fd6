export * from './record/index.js';
export * from './steps/index.js';
export * from './targets/index.js';
