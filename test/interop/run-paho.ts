// Eclipse Paho MQTT 5 interoperability suite (test/interop/paho/client_test5.py) against Thingbench and Mosquitto.
//   npm run interop [-- --targets aws,standard,mosquitto] [--tests test_basic,test_will_delay] [--timeout 90]
//                   [--mosquitto /usr/sbin/mosquitto] [--serial] [--reuse]
// Targets: Thingbench (`thingbench up`, fresh data directory) in aws mode and in standard mode, and Mosquitto with
// `listener PORT 127.0.0.1` + `allow_anonymous true`, each on a free loopback port. Each test runs alone in its own
// python3 process (`client_test5.py --port N Test.<name>`), against a broker started for it and warmed up by one
// MQTT connection (--reuse: one broker per target for all tests; the suite's own clean-up cannot remove retained
// messages in aws mode, where a '#' subscription gets none), killed after --timeout seconds; the targets run side by
// side unless --serial. The suite sleeps internally, so this is not part of `npm test`.
// Output: a table test → pass/fail per target with totals, the failure lines, and every test's output under
// bench/out/interop-<timestamp>/<target>/<test>.log.
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mqttPacket from 'mqtt-packet';
import { parseArgs } from 'node:util';
import { startBroker, type RunningBroker } from '../../bench/lib/brokers.js';
import { renderTable } from '../../bench/lib/report.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const suiteDir = path.join(repoRoot, 'test', 'interop', 'paho');
const suiteFile = path.join(suiteDir, 'client_test5.py');

type TargetId = 'aws' | 'standard' | 'mosquitto';
const TARGETS: Record<TargetId, string> = { aws: 'thingbench aws', standard: 'thingbench standard', mosquitto: 'mosquitto 2.0.11' };
type Outcome = 'pass' | 'FAIL' | 'TIMEOUT' | 'ERROR';
interface TestResult { outcome: Outcome; seconds: number; why: string; departures?: string[] }

const usage = 'usage: npm run interop -- [--targets aws,standard,mosquitto] [--tests test_a,test_b] [--timeout S] [--mosquitto PATH] [--serial] [--reuse]';
const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'aws,standard,mosquitto' },
    tests: { type: 'string' },
    timeout: { type: 'string', default: '90' },
    mosquitto: { type: 'string', default: '/usr/sbin/mosquitto' },
    serial: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) { console.log(usage); process.exit(0); }

/** The suite's tests in the order unittest runs them (alphabetical), read from the vendored source. */
function suiteTests(): string[] {
  const src = readFileSync(suiteFile, 'utf8');
  return [...src.matchAll(/^ {4}def (test_\w+)\(self\)/gm)].map((m) => m[1]).sort();
}

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const allTests = suiteTests();
const tests = values.tests ? values.tests.split(',').map((t) => t.trim()).filter(Boolean) : allTests;
for (const t of tests) if (!allTests.includes(t)) fail(`unknown test '${t}' (known: ${allTests.join(', ')})`);
const targets = values.targets.split(',').map((t) => t.trim()).filter(Boolean) as TargetId[];
for (const t of targets) if (!(t in TARGETS)) fail(`unknown target '${t}'`);
const timeoutS = Number(values.timeout);
if (!Number.isFinite(timeoutS) || timeoutS <= 0) fail('--timeout needs a positive number of seconds');
if (targets.includes('mosquitto') && !existsSync(values.mosquitto)) fail(`${values.mosquitto} not found (--mosquitto PATH)`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.join(repoRoot, 'bench', 'out', `interop-${stamp}`);

/** The line that says why a unittest run failed: the last exception line of its output. */
function failureLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const exc = lines.filter((l) => /^[A-Za-z_.]*(Error|Exception|timeout)\b/.test(l) && !l.startsWith('Traceback'));
  return (exc.at(-1) ?? lines.at(-1) ?? '').slice(0, 160);
}

function runTest(port: number, test: string, logFile: string): Promise<TestResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // --hostname is left out: the suite hands its arguments on to unittest, which refuses it; the client connects
    // to "localhost" over IPv4 (AF_INET), i.e. 127.0.0.1, where every target listens.
    const child = spawn('python3', ['-u', suiteFile, '--port', String(port), `Test.${test}`], {
      cwd: suiteDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let output = '';
    const keep = (d: Buffer) => { output += d.toString('utf8'); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
    const finish = (outcome: Outcome, why: string) => {
      clearTimeout(timer);
      writeFileSync(logFile, output);
      resolve({ outcome, seconds: (Date.now() - started) / 1000, why });
    };
    child.once('error', (e) => finish('ERROR', e.message));
    child.once('exit', (code) => {
      if (timedOut) finish('TIMEOUT', `killed after ${timeoutS} s`);
      else if (code === 0 && /^OK\b/m.test(output)) finish('pass', '');
      else finish(/^FAILED \(.*errors=/m.test(output) ? 'ERROR' : 'FAIL', failureLine(output));
    });
  });
}

/** The AWS departures (aws-deviations.ts ids) a Thingbench broker logs, collected from its JSON log lines. */
class Departures {
  private partial = '';
  readonly seen = new Set<string>();
  feed = (text: string): void => {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"deviation"')) continue;
      try {
        const id = (JSON.parse(line) as { details?: { deviation?: unknown } }).details?.deviation;
        if (typeof id === 'string') this.seen.add(id);
      } catch { /* not a JSON log line */ }
    }
  };
  take(): string[] {
    const ids = [...this.seen].sort();
    this.seen.clear();
    return ids;
  }
}

/**
 * One MQTT connection (CONNECT, CONNACK, DISCONNECT) before the test: the suite gives a CONNACK 0.5 s, which a broker
 * that has only just started may need for its first connection on a busy machine.
 */
function warmUp(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no CONNACK to the warm-up connection within 10 s')); }, 10_000);
    socket.once('error', (e) => { clearTimeout(timer); reject(e); });
    socket.once('connect', () => socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'interop-warm-up', keepalive: 60 })));
    socket.once('data', () => {
      clearTimeout(timer);
      socket.end(mqttPacket.generate({ cmd: 'disconnect' }), () => resolve());
    });
  });
}

async function startTarget(target: TargetId, departures: Departures): Promise<RunningBroker> {
  const broker = target === 'mosquitto'
    ? await startBroker('mosquitto', { repoRoot, mosquittoBin: values.mosquitto, timeoutMs: 15_000 })
    : await startBroker('thingbench', { repoRoot, mosquittoBin: values.mosquitto, timeoutMs: 60_000, thingbenchMode: target, onStderr: departures.feed });
  try {
    await warmUp(Number(new URL(broker.url).port));
  } catch (e) {
    await broker.stop();
    throw e;
  }
  return broker;
}

/** One test against a broker of its own (unless --reuse): nothing a test leaves behind (retained messages, sessions) reaches the next. */
async function runTarget(target: TargetId): Promise<Map<string, TestResult>> {
  const results = new Map<string, TestResult>();
  const dir = path.join(outDir, target);
  mkdirSync(dir, { recursive: true });
  let broker: RunningBroker | undefined;
  const departures = new Departures();
  try {
    for (const test of tests) {
      if (!broker || !values.reuse) {
        await broker?.stop();
        broker = undefined;
        try {
          broker = await startTarget(target, departures);
          departures.take(); // those of the start-up
        } catch (e) {
          results.set(test, { outcome: 'ERROR', seconds: 0, why: `broker did not start: ${(e as Error).message.split('\n')[0]}` });
          continue;
        }
      }
      const r = await runTest(Number(new URL(broker.url).port), test, path.join(dir, `${test}.log`));
      if (broker.exited()) {
        r.outcome = 'ERROR';
        r.why = `the broker exited: ${broker.stderrTail().split('\n').at(-1) ?? ''}`;
      }
      if (target === 'aws') r.departures = departures.take();
      appendFileSync(path.join(dir, `${test}.log`), `\n--- broker stderr (last lines) ---\n${broker.stderrTail()}\n`);
      results.set(test, r);
      console.log(`${TARGETS[target].padEnd(20)} ${test.padEnd(32)} ${r.outcome.padEnd(7)} ${r.seconds.toFixed(1).padStart(6)} s${r.why ? `  ${r.why}` : ''}${r.departures?.length ? `  [AWS departures logged: ${r.departures.join(', ')}]` : ''}`);
    }
  } finally {
    await broker?.stop();
  }
  return results;
}

console.log(`paho client_test5.py: ${tests.length} test(s) against ${targets.map((t) => TARGETS[t]).join(', ')}; ` +
  `${timeoutS} s per test; logs in ${path.relative(repoRoot, outDir)}`);
const started = Date.now();
const byTarget = new Map<TargetId, Map<string, TestResult>>();
if (values.serial) {
  for (const t of targets) byTarget.set(t, await runTarget(t));
} else {
  const all = await Promise.all(targets.map(async (t) => [t, await runTarget(t)] as const));
  for (const [t, r] of all) byTarget.set(t, r);
}

const header = ['test', ...targets.map((t) => TARGETS[t])];
const rows = tests.map((test) => [test, ...targets.map((t) => byTarget.get(t)?.get(test)?.outcome ?? '–')]);
rows.push(['total passed', ...targets.map((t) => `${[...(byTarget.get(t)?.values() ?? [])].filter((r) => r.outcome === 'pass').length}/${tests.length}`)]);
const table = renderTable(header, rows, 1);
const failures = targets.flatMap((t) => tests.flatMap((test) => {
  const r = byTarget.get(t)?.get(test);
  const logged = r?.departures?.length ? ` [AWS departures logged: ${r.departures.join(', ')}]` : '';
  return r && r.outcome !== 'pass' ? [`  ${TARGETS[t]} ${test}: ${r.outcome} ${r.why}${logged}`] : [];
}));
const report = `${table}\n${failures.length ? `\nnot passed:\n${failures.join('\n')}\n` : ''}\n` +
  `(${((Date.now() - started) / 1000).toFixed(0)} s; logs in ${path.relative(repoRoot, outDir)})`;
console.log(`\n${report}`);
writeFileSync(path.join(outDir, 'summary.txt'), `${report}\n`);
