/**
 * Runs aedes-persistence's abstract suite (node:test) against DurablePersistence in a child `node --test` process
 * and checks its report: every test passes and there are some.
 */
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const suite = fileURLToPath(new URL('./aedes-persistence.node-test.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function runNodeTest(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', suite], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('aedes-persistence abstract suite against DurablePersistence', () => {
  it('passes every test', async () => {
    const { code, output } = await runNodeTest();
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN);
    const failures = output.split('\n').filter((l) => l.startsWith('not ok'));
    expect(failures, output.slice(-4000)).toEqual([]);
    expect(count('fail')).toBe(0);
    expect(count('cancelled')).toBe(0);
    expect(count('pass')).toBeGreaterThan(0);
    expect(count('pass')).toBe(count('tests'));
    expect(code).toBe(0);
  }, 60_000);
});
