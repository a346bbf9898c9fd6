export * from './record/index.js';
export * from './steps/index.js';
export type * from './targets/target.js';
