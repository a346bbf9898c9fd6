/**
 * The guide runner on small guides: blocks run in order in one working directory with the lab's environment under
 * `bash -euo pipefail`; `sh fails` must fail; `sh background` runs until the guide ends and is killed with its
 * children; an omitted step is left out; a failing block is reported with guide.md:LINE, the block and its output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { GuideFailure, runGuide, type GuideCommandLike } from './guide-runner.js';

const step = (n: number, line: number, code: string, mode: GuideCommandLike['mode'] = 'run'): GuideCommandLike => ({ mode, code, line, section: 'step', step: n });
const file = '/labs/01-demo/guide.md';

describe('runGuide', () => {
  it('runs the blocks in order, in one directory, with the lab environment and a clean AWS setup', async () => {
    const run = await runGuide({ file, env: { THING: 'l01-me-ratchet' }, commands: [
      step(1, 10, 'echo "$THING" > thing.txt'),
      step(2, 20, 'test "$(cat thing.txt)" = l01-me-ratchet && test "$AWS_DEFAULT_REGION" = us-east-1 && test "$AWS_CONFIG_FILE" = /dev/null'),
      step(3, 30, 'false', 'fails'),
      step(4, 40, 'command -v thingbench >/dev/null && echo ok'),
    ] });
    expect(run.blocks.map((b) => b.code)).toEqual([0, 0, 1, 0]);
    expect(run.blocks[3].output).toBe('ok\n');
    expect(fs.readFileSync(path.join(run.cwd, 'thing.txt'), 'utf8')).toBe('l01-me-ratchet\n');
  });

  it('keeps a background block running until the guide ends, then kills it and its children', async () => {
    const run = await runGuide({ file, env: {}, commands: [
      step(1, 10, 'sleep 300 & echo $! > child.pid; echo started > bg.txt; wait', 'background'),
      step(2, 20, 'for i in $(seq 100); do test -s child.pid && test -s bg.txt && exit 0; sleep 0.1; done; exit 1'),
    ] });
    const pid = Number(fs.readFileSync(path.join(run.cwd, 'child.pid'), 'utf8'));
    // Killed with its parent, then reaped by init (which may take a moment).
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), { timeout: 5000 });
    expect(run.blocks[0].signal ?? run.blocks[0].code).toBeTruthy();
  });

  it('leaves out the omitted step, and the clean-up blocks unless asked; after the omitted step a block may fail', async () => {
    const run = await runGuide({ file, env: {}, omitStep: 2, commands: [
      step(1, 10, 'echo one'), step(2, 20, 'exit 3'), step(3, 30, 'exit 5'), { mode: 'run', code: 'exit 4', line: 90, section: 'cleanUp' },
    ] });
    expect(run.blocks.map((b) => [b.block.line, b.code, b.tolerated ?? false])).toEqual([[10, 0, false], [30, 5, true]]);
    const before = await runGuide({ file, env: {}, omitStep: 2, commands: [step(1, 10, 'exit 6'), step(2, 20, 'true')] }).catch((e: Error) => e);
    expect((before as Error).message).toContain('guide.md:10 (step 1, ```sh) exited 6');
  });

  it('fails with guide.md:LINE, the block and its output; -e, -u and pipefail are on', async () => {
    for (const [code, exit] of [['echo before; false; echo after', '1'], ['echo "$UNSET_VARIABLE"', '1'], ['false | true', '1']]) {
      const err = await runGuide({ file, env: {}, commands: [step(1, 10, 'true'), step(2, 27, code)] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuideFailure);
      expect((err as Error).message).toContain(`01-demo/guide.md:27 (step 2, \`\`\`sh) exited ${exit}`);
      expect((err as Error).message).toContain(code);
      expect((err as GuideFailure).run.blocks.at(-1)!.output).not.toContain('after');
    }
    const ok = await runGuide({ file, env: {}, commands: [step(1, 12, 'true', 'fails')] }).catch((e: unknown) => e);
    expect((ok as Error).message).toContain('guide.md:12 (step 1, ```sh fails) exited 0 but should fail');
  });
});
