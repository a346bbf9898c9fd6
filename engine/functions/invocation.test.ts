import { describe, it, expect } from 'vitest';
import { Invocation } from './invocation.js';
import { invocationLogEvents, logTail } from './function-logs.js';

describe('Invocation', () => {
  it('goes queued → running → succeeded once; a late failure is ignored', async () => {
    const inv = new Invocation('f', { a: 1 }, 1000);
    expect(inv.state).toBe('queued');
    inv.log('before start is not the function\'s output');
    inv.start();
    expect(inv.state).toBe('running');
    inv.log('hello');
    inv.succeed({ ok: 1 }, { maxMemoryMb: 12 });
    inv.fail('Threw', { errorType: 'Error', errorMessage: 'late' });
    const r = await inv.done;
    expect(r).toMatchObject({ ok: true, result: { ok: 1 }, requestId: inv.requestId });
    expect(inv.state).toBe('succeeded');
    expect(inv.output).toEqual(['hello']);
  });

  it('times out with Lambda\'s Sandbox.Timedout document, and a result after that is dropped', async () => {
    const inv = new Invocation('f', null, 20);
    inv.start();
    const r = await inv.done;
    inv.succeed('too late');
    expect(inv.state).toBe('timedOut');
    expect(r).toMatchObject({ ok: false, kind: 'Timeout', errorBody: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${inv.requestId} Error: Task timed out after 0.02 seconds` } });
  });

  it('fails without running (queued → failed) and names the error type in its one-line error', async () => {
    const inv = new Invocation('f', null, 1000);
    inv.fail('Busy', { errorType: 'TooManyRequestsException', errorMessage: 'Rate exceeded' });
    expect(await inv.done).toMatchObject({ ok: false, kind: 'Busy', error: 'TooManyRequestsException: Rate exceeded', durationMs: 0 });
    const plain = new Invocation('f', null, 1000);
    plain.start();
    plain.fail('Threw', { errorType: 'Error', errorMessage: 'boom' });
    expect((await plain.done as { error: string }).error).toBe('boom');
  });

  it('logs START, the output, END and REPORT; the tail is the last 4 KB, base64', async () => {
    const inv = new Invocation('f', null, 1000);
    inv.start();
    inv.log('x'.repeat(5000));
    inv.log('last line');
    inv.succeed(null, { maxMemoryMb: 40 });
    await inv.done;
    const events = invocationLogEvents(inv, 128);
    expect(events.map((e) => e.message.split(' ')[0].replace(/^x+$/, 'x…'))).toEqual(['START', 'x…', 'last', 'END', 'REPORT']);
    expect(events[4].message).toMatch(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t$/);
    const tail = Buffer.from(logTail(events), 'base64').toString('utf8');
    expect(Buffer.byteLength(tail)).toBe(4096);
    expect(tail.endsWith(`${events[4].message}\n`)).toBe(true);
    expect(tail).toContain('last line\nEND RequestId: ');
  });
});
