// Topic bookkeeping: what the broker keeps of every message (per-topic history, topic statistics), in process, beside a Map of each topic's last message.
//   npm run bench -- topics [--rounds 5] [--messages 300000]
// Each message goes through what `Capture.record` does to keep it: `TopicHistory.append` (the engine's default bounds:
// 200,000 messages, 256 MiB, 10,000 per topic; a message it lets go is handed to `TopicIndex.forget`) and
// `TopicIndex.record`, with the changed topics' statistics taken every 1,000 messages as the UI's live feed does (10
// times a second at 10,000 msg/s). The baseline, measured in the same rounds, is the least a broker with a topic tree
// does: `Map.set(topic, message)`. Topic names are built per message, as they come out of packets. Scenarios:
//   random     100,000 topics picked at random (devices at uneven rates), history full
//   in turn    the same topics one after another, history full
//   bound      250,000 topics (the index's bound) and every other message on a new topic, so the topic quiet the
//              longest makes room each time
// Rounds alternate the order of baseline and bookkeeping; figures are medians (min–max).
import path from 'node:path';
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CapturedMessage } from '../engine/broker/message-log.js';
import { TopicHistory } from '../engine/broker/topic-history.js';
import { MAX_TOPICS, TopicIndex } from '../engine/broker/topic-index.js';
import { fmtNum, fmtSpread, renderTable, spread } from './lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, messages: { type: 'string', default: '300000' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run bench -- topics [--rounds N] [--messages N]\n  --rounds    alternating baseline/bookkeeping rounds per scenario (default 5)\n  --messages  messages timed per round (default 300,000)');
  process.exit(0);
}
const rounds = Math.max(1, Number(values.rounds));
const messages = Math.max(1000, Number(values.messages));
const payload = Buffer.from('{"temperature":21.5,"humidity":40,"seq":1234}');

interface Scenario {
  id: string;
  title: string;
  /** Topics that exist before the timed messages (each published once). */
  fill: number;
  /** The topic of the i-th timed message of round `round`. */
  topic(i: number, round: number): string;
}

const scenarios: Scenario[] = [
  { id: 'random', title: '100,000 topics, at random', fill: 100_000, topic: () => `site/${Math.floor(Math.random() * 100_000)}/telemetry` },
  { id: 'in turn', title: '100,000 topics, in turn', fill: 100_000, topic: (i) => `site/${i % 100_000}/telemetry` },
  {
    id: 'bound', title: `${fmtNum(MAX_TOPICS)} topics, half of the messages on new ones`, fill: MAX_TOPICS,
    topic: (i, round) => (i % 2 ? `new/${round}/${i}/telemetry` : `site/${Math.floor(Math.random() * MAX_TOPICS)}/telemetry`),
  },
];

/** The broker's bookkeeping of one message: what `Capture.record` does to keep it. */
function bookkeeping(): (topic: string, time: number) => void {
  const index = new TopicIndex();
  const history = new TopicHistory({ messages: 200_000, bytes: 256 * 1024 * 1024, perTopic: 10_000 }, (msg) => index.forget(msg));
  let n = 0;
  return (topic, time) => {
    index.record(history.append(topic, payload, 0, false, 'device', time));
    if (++n % 1000 === 0) {
      index.takeChanged(time);
      index.takeRemoved();
    }
  };
}

function lastMessages(): (topic: string, time: number) => void {
  const last = new Map<string, CapturedMessage>();
  let id = 0;
  return (topic, time) => {
    last.set(topic, { id: ++id, topic, payload, qos: 0, retain: false, clientId: 'device', time, segment: -1 });
  };
}

/** Nanoseconds per message of `keep` on the scenario's messages, after filling its topics and the history. */
function measure(s: Scenario, round: number, keep: (topic: string, time: number) => void): number {
  let time = 0;
  for (let i = 0; i < s.fill; i++) keep(`site/${i}/telemetry`, ++time);
  // Warm up and fill the history to its bound, so the timed messages each make room.
  for (let i = 0; i < 200_000; i++) keep(s.topic(i, -1 - round), ++time);
  const start = process.hrtime.bigint();
  for (let i = 0; i < messages; i++) keep(s.topic(i, round), ++time);
  return Number(process.hrtime.bigint() - start) / messages;
}

const outDir = path.join(repoRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `topics-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
console.log(`topics: ${fmtNum(messages)} messages per round, ${rounds} rounds per scenario`);
const table: string[][] = [];
for (const s of scenarios) {
  const base: number[] = [];
  const kept: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round: the host's speed drifts (research/perf-baseline.md).
    if (round % 2 === 0) { base.push(measure(s, round, lastMessages())); kept.push(measure(s, round, bookkeeping())); }
    else { kept.push(measure(s, round, bookkeeping())); base.push(measure(s, round, lastMessages())); }
  }
  const ratios = kept.map((k, i) => k / base[i]!);
  table.push([s.id, s.title, fmtSpread(spread(kept.map((ns) => ns / 1000))), fmtNum(spread(base)!.median / 1000), fmtSpread(spread(ratios))]);
  appendFileSync(outFile, `${JSON.stringify({ bench: 'topics', scenario: s.id, messages, bookkeeping_ns: kept, baseline_ns: base, ratio: ratios })}\n`);
}
console.log('\n' + renderTable(['scenario', 'topics', 'µs/message (min–max)', 'Map.set µs', 'ratio'], table));
console.log(`\nJSON lines: ${path.relative(process.cwd(), outFile)}`);
