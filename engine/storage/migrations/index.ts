import * as m0001 from './0001-broker.js';

/** Numbered SQL migrations, applied once each in order when a store opens. Add one module per change; never edit a released one. */
export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [
  { id: '0001-broker', sql: m0001.sql },
];
