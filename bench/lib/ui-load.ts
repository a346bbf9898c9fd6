// Topic load for the UI benchmark, run as a child process: MQTT.js clients publishing small JSON payloads (QoS 0).
//   node --import tsx bench/lib/ui-load.ts --url mqtt://127.0.0.1:1883 --topics 100000 --fill
//       publishes once to each of the topics, as fast as the broker takes them, then prints {"filled":N} and exits;
//   … --rate 10000 --seconds 60
//       publishes `rate` messages a second over the topics (random ones) for `seconds`, prints {"sent":N,"seconds":S}.
// Topics are bench/site-<s>/dev-<d>/<metric>: 10 metrics per device, 100 devices per site.
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';

const METRICS = ['temp', 'humidity', 'pressure', 'co2', 'voc', 'pm25', 'noise', 'light', 'battery', 'rssi'];

function benchTopic(i: number): string {
  const metric = METRICS[i % 10]!;
  const device = Math.floor(i / 10);
  return `bench/site-${Math.floor(device / 100)}/dev-${device % 100}/${metric}`;
}

const payload = (i: number, seq: number) => `{"v":${((i * 7919 + seq) % 1000) / 10},"seq":${seq}}`;

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      url: { type: 'string' }, topics: { type: 'string', default: '100000' }, fill: { type: 'boolean', default: false },
      rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '4' },
    },
  });
  const topics = Number(v.topics);
  const clients: MqttClient[] = [];
  for (let c = 0; c < Number(v.clients); c++) {
    clients.push(await mqtt.connectAsync(v.url!, { clientId: `ui-bench-load-${process.pid}-${c}`, reconnectPeriod: 0, clean: true }));
  }
  let seq = 0;
  const send = (i: number) => new Promise<void>((resolve) => {
    const client = clients[seq % clients.length]!;
    client.publish(benchTopic(i), payload(i, seq++), { qos: 0 }, () => resolve());
  });

  if (v.fill) {
    // In order, a window of publishes in flight at a time, so the broker's socket buffers stay bounded.
    const WINDOW = 500;
    for (let i = 0; i < topics; i += WINDOW) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(topics, i + WINDOW); j++) batch.push(send(j));
      await Promise.all(batch);
    }
    console.log(JSON.stringify({ filled: topics }));
  } else {
    const rate = Number(v.rate);
    const seconds = Number(v.seconds);
    const started = performance.now();
    const TICK_MS = 10;
    let sent = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      const writes: Promise<void>[] = [];
      for (; sent < due; sent++) writes.push(send(Math.floor(Math.random() * topics)));
      await Promise.all(writes);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    console.log(JSON.stringify({ sent, seconds: (performance.now() - started) / 1000 }));
  }
  await Promise.all(clients.map((c) => c.endAsync()));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
