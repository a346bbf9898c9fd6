export type { Store, Statement, SqlValue } from './store.js';
export { SqlJsStore, type SqlJsStoreOptions } from './sqljs-store.js';
