export * from './errors.js';
export * from './events.js';
export * from './service.js';
export * from './clock.js';
export * from './logger.js';
export * from './aws-account.js';
export * from './topic-memo.js';
export * from './local-guard.js';
