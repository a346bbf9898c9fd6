// The fleet benchmark's fleet process: runs one `Fleet` (its devices in a worker thread) and reports on stdout.
//   node --import tsx bench/fleet/fleet-child.ts --model FILE --count N --url mqtt://127.0.0.1:PORT
//                                                [--seed 1] [--connect-rate 1000] [--status-ms 250]
// stdout, one JSON object a line: {"event":"ready","pid":…} once every device is built (before any connects), then
// {"event":"status",…FleetStatus} every --status-ms, and {"event":"stopped",…FleetStatus} after "stop\n" on stdin
// (or SIGTERM): every device DISCONNECTs cleanly once its QoS 1 messages in flight are acknowledged.
// {"event":"error","message":…} reports a fleet failure; the process then exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Fleet, loadDeviceModel, readReplayFiles, type FleetStatus } from '../../engine/devices/index.js';

const { values: v } = parseArgs({
  args: process.argv.slice(2), strict: true,
  options: {
    model: { type: 'string' }, count: { type: 'string' }, url: { type: 'string' }, seed: { type: 'string', default: '1' },
    'connect-rate': { type: 'string', default: '1000' }, 'status-ms': { type: 'string', default: '250' },
  },
});
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  if (!v.model || !v.count || !v.url) throw new Error('fleet-child needs --model, --count and --url');
  const text = fs.readFileSync(v.model, 'utf8');
  const model = loadDeviceModel(text, v.model);
  const fleet = await Fleet.start({
    model, count: Number(v.count), seed: Number(v.seed), url: v.url, connectRate: Number(v['connect-rate']),
    statusIntervalMs: Number(v['status-ms']), replay: readReplayFiles(model, path.dirname(path.resolve(v.model))),
  });
  say({ event: 'ready', pid: process.pid, devices: fleet.devices.length });
  fleet.events.on('status', (s: FleetStatus) => say({ event: 'status', ...s }));
  fleet.events.on('error', (e) => {
    say({ event: 'error', message: e.message });
    process.exit(1);
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const final = await fleet.stop();
    say({ event: 'stopped', ...final });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => { if (d.includes('stop')) void stop(); });
  // The parent going away (stdin closed) stops the fleet too.
  process.stdin.on('end', () => void stop());
}

main().catch((e: unknown) => {
  say({ event: 'error', message: (e as Error)?.message ?? String(e) });
  process.exit(1);
});
