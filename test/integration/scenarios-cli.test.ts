/**
 * `thingbench run` as a child process, each run on a fresh local engine: exit codes (0 held, 1 failed or stopped,
 * 2 bad input), the json reporter's lines, the JUnit XML (read with a strict XML reader), the pretty failure text,
 * and Ctrl-C cleaning up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dirs.js';
import { parseXml, type XmlElement } from '../helpers/xml.js';
import { runCli } from './helpers/cli-process.js';

const write = (files: Record<string, string>) => {
  const dir = tempDir('tb-run-cli-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
};
const jsonLines = (out: string) => out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
const child = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);

const PASSING = `
name: echo
variables: { room: kitchen }
steps:
  - publish: { topic: "home/\${room}/temp", payload: { t: 21 } }
  - expect: { topic: "home/+/temp", where: [{ path: $.t, op: ">=", value: 20 }], within: 5s }
`;

const FAILING = `
name: wrong unit
steps:
  - publish: { topic: f/temp, payload: { t: 20, unit: C } }
  - name: the unit is Fahrenheit
    expect: { topic: "f/+", json: { unit: F }, within: 300ms }
  - publish: { topic: never, payload: x }
cleanup:
  - publish: { topic: done, payload: x }
`;

describe('thingbench run', () => {
  it('exits 0 when every expectation holds; --reporter json writes one JSON line per event and a summary', async () => {
    const dir = write({ 'main.yaml': PASSING });
    const cli = runCli(['run', path.join(dir, 'main.yaml'), '--reporter', 'json', '--seed', '42', '--data-dir', dir]);
    const { code } = await cli.exited;
    expect(cli.stderr()).toBe('');
    expect(code).toBe(0);
    const lines = jsonLines(cli.stdout());
    expect(lines[0]).toMatchObject({ event: 'run.started', scenario: 'echo', target: 'local', seed: 42, deterministic: false, steps: 2 });
    expect(lines.filter((l) => l.event === 'step.finished').map((l) => [l.id, l.step, l.status])).toEqual([['1', 'publish', 'passed'], ['2', 'expect', 'passed']]);
    expect(lines.at(-1)).toMatchObject({ event: 'summary', status: 'passed', seed: 42, cleanupErrors: [] });
  }, 60_000);

  it('exits 1 on a failed expectation: JUnit XML with the failure, skipped steps, and the pretty text with expected beside seen', async () => {
    const dir = write({ 'main.yaml': FAILING });
    const report = path.join(dir, 'report.xml');
    const cli = runCli(['run', path.join(dir, 'main.yaml'), '--reporter', 'junit', '--out', report, '--data-dir', dir]);
    const { code } = await cli.exited;
    expect(code).toBe(1);
    const xml = parseXml(fs.readFileSync(report, 'utf8'));
    expect(xml.name).toBe('testsuites');
    expect(xml.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '1', errors: '0' });
    const [suite] = child(xml, 'testsuite');
    expect(suite.attrs).toMatchObject({ name: 'wrong unit', tests: '4', failures: '1', skipped: '1' });
    const props = Object.fromEntries(child(child(suite, 'properties')[0], 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ target: 'local', deterministic: 'false' });
    expect(Number(props.seed)).toBeGreaterThanOrEqual(0);
    const cases = child(suite, 'testcase');
    expect(cases.map((c) => [c.attrs.name, c.children.map((x) => x.name)])).toEqual([
      ['1 publish', []], ['2 the unit is Fahrenheit (expect)', ['failure']], ['3 publish', ['skipped']], ['cleanup cleanup.1 publish', []],
    ]);
    expect(cases.every((c) => c.attrs.classname === 'wrong unit' && Number(c.attrs.time) >= 0)).toBe(true);
    const failure = child(cases[1], 'failure')[0];
    expect(failure.attrs.message).toBe("no message on 'f/+' matched within 300ms");
    expect(failure.text).toContain('expected:');
    expect(failure.text).toContain('{"topic":"f/+","json":{"unit":"F"},"within":"300ms"}');
    expect(failure.text).toContain('f/temp: {"t":20,"unit":"C"}');
    // With --out, the terminal gets the pretty report.
    const out = cli.stdout();
    expect(out).toContain('✗ 2 the unit is Fahrenheit (expect)');
    expect(out).toContain("no message on 'f/+' matched within 300ms");
    expect(out).toContain('seen (last 1, newest last):');
    expect(out).toContain('− 3 publish');
    expect(out).toMatch(/FAILED wrong unit: 1 passed, 1 failed, 1 skipped/);
  }, 60_000);

  it('exits 2 for bad input, with file:line:col or one sentence', async () => {
    const dir = write({ 'bad.yaml': 'name: bad\nsteps:\n  - publsh: { topic: a }\n  - wait: soon\n', 'ok.yaml': PASSING });
    const schema = runCli(['run', path.join(dir, 'bad.yaml'), '--data-dir', dir]);
    expect((await schema.exited).code).toBe(2);
    const problems = schema.stderr().trim().split('\n');
    expect(problems).toHaveLength(2);
    expect(problems[1]).toBe(`${path.join(dir, 'bad.yaml')}:4:11: steps[1].wait: expected a duration (250ms, 5s, 1.5m, 2h, or a number of milliseconds), or { for: duration }`);
    expect(problems[0]).toMatch(/bad\.yaml:3:5: unknown step 'publsh' in steps\[0\]; the steps are: publish, wait, /);
    const target = runCli(['run', path.join(dir, 'ok.yaml'), '--target', 'nowhere', '--data-dir', dir]);
    expect((await target.exited).code).toBe(2);
    expect(target.stderr()).toMatch(/^thingbench run: unknown target 'nowhere': the targets are local/);
    expect(target.stderr().trim().split('\n')).toHaveLength(1);
    const missing = runCli(['run', path.join(dir, 'nope.yaml')]);
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr()).toBe(`thingbench run: no scenario file '${path.join(dir, 'nope.yaml')}'\n`);
    const reporter = runCli(['run', path.join(dir, 'ok.yaml'), '--reporter', 'xml']);
    expect((await reporter.exited).code).toBe(2);
    expect(reporter.stderr()).toBe("thingbench run: --reporter must be pretty, json or junit, not 'xml'\n");
  }, 60_000);

  it('Ctrl-C stops the run, runs its cleanup, and exits 1', async () => {
    const dir = write({
      'main.yaml': 'name: long\ndevices: { s: { model: generic-sensor } }\nsteps:\n  - start: s\n  - wait: 10m\ncleanup:\n  - publish: { topic: done, payload: x }\n',
    });
    const cli = runCli(['run', path.join(dir, 'main.yaml'), '--reporter', 'json', '--data-dir', dir]);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the wait step did not start; stderr: ${cli.stderr()}`)), 30_000);
      cli.child.stdout.on('data', () => {
        if (cli.stdout().includes('"event":"step.started","id":"2"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    expect(code).toBe(1);
    const lines = jsonLines(cli.stdout());
    expect(lines.filter((l) => l.event === 'step.finished').map((l) => [l.id, l.status])).toEqual([['1', 'passed'], ['2', 'aborted'], ['cleanup.1', 'passed']]);
    expect(lines.filter((l) => l.event === 'cleanup.finished')).toEqual([{ event: 'cleanup.finished', description: 'stop s', ok: true }]);
    expect(lines.at(-1)).toMatchObject({ event: 'summary', status: 'aborted' });
    expect(cli.stderr()).toContain('stopping; cleaning up what the run created');
  }, 60_000);
});
