import { describe, it, expect } from 'vitest';
import { duration, faultMain, FaultUsageError } from './devices-fault-command.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

describe('devices fault options', () => {
  it.each([
    ['500ms', 500], ['10s', 10_000], ['1.5m', 90_000], ['2h', 7_200_000],
  ])('%s is %i ms', (raw, ms) => expect(duration(raw, '--for')).toBe(ms));

  it('takes a sign only where it means something', () => {
    expect(duration('-5m', '--offset', true)).toBe(-300_000);
    expect(() => duration('-5m', '--for')).toThrow(/--for: '-5m' is not a duration/);
    expect(() => duration('10', '--for')).toThrow(/--for: '10' is not a duration \(like 500ms, 10s, 2m\)/);
  });

  // No fleet runs under this directory: each of these is refused before one is looked for.
  const dir = tempDir('tb-fault-args-');
  it.each([
    [[], /devices fault needs a kind: drop, disconnect/],
    [['explode', '--all'], /unknown fault 'explode': expected one of drop, disconnect/],
    [['drop'], /say which devices: --device ID \(repeatable\) or --all/],
    [['drop', '--all', '--device', 'x'], /either --device or --all, not both/],
    [['drop', '--all', '--latency', '5ms'], /--latency is not an option of drop \(it takes --no-reconnect\)/],
    [['clear', '--for', '1s'], /--for is not an option of clear$/],
    [['partition', '--all'], /partition needs --for DURATION/],
    [['network', '--all', '--for', '10s'], /network needs at least one of --latency, --jitter, --loss or --bandwidth/],
    [['network', '--all', '--loss', '95%'], /network: loss must be a number from 0 to 0.9, not 0.95/],
    [['network', '--all', '--bandwidth', 'fast'], /--bandwidth: 'fast' is not a rate in bytes per second/],
    [['clock-skew', '--all'], /clock-skew needs --offset/],
    [['flood', '--all', '--rate', '10'], /flood needs --rate N \(messages per second\) and --for DURATION/],
    [['flood', '--all', '--rate', '10', '--for', '1s', '--qos', '2'], /flood: qos must be 0 or 1/],
    [['malformed', '--all'], /malformed needs --payload invalid-json, oversized or binary/],
    [['malformed', '--all', '--payload', 'huge'], /payload must be invalid-json, oversized or binary, not "huge"/],
    [['drop', '--all', '--fleet', 'abc'], /--fleet must be a process id, not 'abc'/],
  ])('%j is refused: %s', async (args, message) => {
    const run = faultMain([...args, '--data-dir', dir]);
    await expect(run).rejects.toThrow(message);
    await run.catch((e: unknown) => expect(e instanceof FaultUsageError || (e as { code?: string }).code === 'InvalidInput').toBe(true));
  });

  it('says when no fleet is running', async () => {
    await expect(faultMain(['clear', '--data-dir', dir])).rejects.toMatchObject({ code: 'Unavailable', message: expect.stringMatching(/^no fleet is running under /) });
  });
});
