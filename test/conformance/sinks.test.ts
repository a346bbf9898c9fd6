import { describeSink } from './sinks.suite.js';

describeSink({ kind: 'queue', name: 'telemetry', bound: 'refuse', write: async (s, name, traceId, n) => void (await s.queues.send(name, `{"n":${n}}`, { traceId })) });
describeSink({ kind: 'notify', name: 'alerts', bound: 'trim', write: async (s, name, traceId, n) => void (await s.topics.publish(name, `alert ${n}`, { traceId })) });
describeSink({
  kind: 'stream', name: 'readings', options: { shardCount: 2 }, bound: 'trim',
  write: async (s, name, traceId, n) => void (await s.streams.put(name, Buffer.from(`{"n":${n}}`), `device-${n}`, traceId)),
});
describeSink({
  kind: 'firehose', name: 'archive', bound: 'trim',
  write: async (s, name, traceId, n) => {
    await s.firehose.put(name, Buffer.from(`{"n":${n}}`), traceId);
    await s.firehose.flush(name);
  },
});
describeSink({
  kind: 'table', name: 'Readings', options: { hashKey: { name: 'device', type: 'S' } }, bound: 'refuse',
  write: (s, name, traceId, n) => s.tables.put(name, { device: `d${n}`, temperature: 20 + n }, traceId),
});
describeSink({
  kind: 'metric', name: 'Factory/Line1', autoCreates: true, bound: 'trim',
  write: (s, name, traceId, n) => s.cloudwatch.putMetric(name, { metricName: 'Temperature', value: n, unit: 'None' }, traceId),
});
describeSink({ kind: 'log', name: '/thingbench/rules', bound: 'trim', write: (s, name, traceId, n) => s.cloudwatch.putLogEvents(name, [{ message: `line ${n}` }], { traceId }) });
describeSink({ kind: 'alarm', name: 'HighTemperature', bound: 'trim', write: (s, name, traceId, n) => s.cloudwatch.setAlarmState(name, n % 2 ? 'ALARM' : 'OK', `reading ${n}`, traceId) });
