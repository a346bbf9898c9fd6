export type { Store, Statement, SqlValue } from './store.js';
export { migrations } from './migrations/index.js';
export { SqlJsStore, writeFileDurably, type SqlJsStoreOptions } from './sqljs-store.js';
