export * from './record/index.js';
