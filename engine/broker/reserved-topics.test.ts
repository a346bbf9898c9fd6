import { describe, it, expect } from 'vitest';
import { clientMayPublishReserved } from './reserved-topics.js';

describe('clientMayPublishReserved', () => {
  it.each([
    '$aws/things/lamp/shadow/update', '$aws/things/lamp/shadow/get', '$aws/things/lamp/shadow/delete',
    '$aws/things/lamp/shadow/name/cfg/update', '$aws/things/lamp/jobs/get', '$aws/things/lamp/jobs/start-next',
    '$aws/things/lamp/jobs/job-1/get', '$aws/things/lamp/jobs/$next/get', '$aws/things/lamp/jobs/job-1/update',
    '$aws/things/lamp/jobs/job-1/bogus', '$aws/things/lamp/jobs/nothing',
    '$aws/things/lamp/defender/metrics/json', '$aws/rules/ingest/a', '$aws/rules/ingest/a/b/c',
    '$aws/certificates/create/json', '$aws/certificates/create-from-csr/cbor',
    '$aws/provisioning-templates/fleet/provision/json', '$aws/commands/things/lamp/executions/e1/response/json',
    '$aws/commands/clients/c1/executions/e1/response', '$aws/device_location/lamp/get_position_estimate',
    '$aws/things/lamp/streams/fw-2/describe/json', '$aws/things/lamp/streams/fw-2/get/cbor',
  ])('%s: a client may publish', (topic) => expect(clientMayPublishReserved(topic)).toBe(true));

  it.each([
    '$aws/events/presence/connected/x', '$aws/events/subscriptions/subscribed/x', '$aws/things/lamp/shadow/update/accepted',
    '$aws/things/lamp/shadow/update/delta', '$aws/things/lamp/shadow/name/cfg/get/rejected', '$aws/things/lamp/jobs/notify',
    '$aws/things/lamp/jobs/job-1/update/accepted', '$aws/things/lamp/jobs/get/rejected', '$aws/things/lamp/jobs/notify-next', '$aws/things/lamp/plain', '$aws/things/lamp', '$aws/rules/ingest',
    '$aws/rules/ingest/', '$aws/certificates/create/xml', '$aws/certificates/create/json/accepted', '$aws/anything',
    '$SYS/broker/uptime', '$other/topic', '$aws/things//shadow/update', '$aws/things/lamp/shadow/name//update',
    '$aws/things/lamp/streams/fw-2/data/json', '$aws/things/lamp/streams/fw-2/rejected/cbor', '$aws/things/lamp/streams/fw-2/get/xml',
    '$aws/things/lamp/streams//get/json', '$aws/things/lamp/streams/fw-2/description/json',
  ])('%s: reserved for AWS', (topic) => expect(clientMayPublishReserved(topic)).toBe(false));
});
