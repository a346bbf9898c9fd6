import * as m0001 from './0001-broker.js';
import * as m0002 from './0002-shadow.js';
import * as m0003 from './0003-rules.js';
import * as m0004 from './0004-sinks.js';
import * as m0005 from './0005-registry.js';
import * as m0006 from './0006-security.js';
import * as m0007 from './0007-shadow-history-by-id.js';
import * as m0008 from './0008-broker-sessions.js';
import * as m0009 from './0009-log-events.js';
import * as m0010 from './0010-sqs-queues.js';
import * as m0011 from './0011-table-typed-items.js';
import * as m0012 from './0012-objects.js';
import * as m0013 from './0013-iam.js';
import * as m0014 from './0014-table-key-order.js';
import * as m0015 from './0015-iot-tags.js';
import * as m0016 from './0016-jobs.js';
import * as m0017 from './0017-job-templates.js';
import * as m0018 from './0018-dynamic-groups.js';
import * as m0019 from './0019-streams-signing.js';
import * as m0020 from './0020-provisioning.js';
import * as m0021 from './0021-commands.js';
import * as m0022 from './0022-device-tokens.js';
import * as m0023 from './0023-delivery.js';
import * as m0024 from './0024-control.js';

/** Numbered SQL migrations, applied once each in order when a store opens. Add one module per change; never edit a released one. */
export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [
  { id: '0001-broker', sql: m0001.sql },
  { id: '0002-shadow', sql: m0002.sql },
  { id: '0003-rules', sql: m0003.sql },
  { id: '0004-sinks', sql: m0004.sql },
  { id: '0005-registry', sql: m0005.sql },
  { id: '0006-security', sql: m0006.sql },
  { id: '0007-shadow-history-by-id', sql: m0007.sql },
  { id: '0008-broker-sessions', sql: m0008.sql },
  { id: '0009-log-events', sql: m0009.sql },
  { id: '0010-sqs-queues', sql: m0010.sql },
  { id: '0011-table-typed-items', sql: m0011.sql },
  { id: '0012-objects', sql: m0012.sql },
  { id: '0013-iam', sql: m0013.sql },
  { id: '0014-table-key-order', sql: m0014.sql },
  { id: '0015-iot-tags', sql: m0015.sql },
  { id: '0016-jobs', sql: m0016.sql },
  { id: '0017-job-templates', sql: m0017.sql },
  { id: '0018-dynamic-groups', sql: m0018.sql },
  { id: '0019-streams-signing', sql: m0019.sql },
  { id: '0020-provisioning', sql: m0020.sql },
  { id: '0021-commands', sql: m0021.sql },
  { id: '0022-device-tokens', sql: m0022.sql },
  { id: '0023-delivery', sql: m0023.sql },
  { id: '0024-control', sql: m0024.sql },
];
