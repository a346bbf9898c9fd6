/**
 * The `pretty` reporter: a line per finished step (✓ ✗ −), a failure's expected-beside-seen block, a summary. On a
 * terminal the running step and its progress show on one live line, rewritten in place.
 */
import type { TypedEmitter } from '../../core/index.js';
import type { ScenarioEvents, StepRecord } from '../run/events.js';
import { failureText, stepTitle } from './failure-text.js';

const MARK: Record<StepRecord['status'], string> = { passed: '✓', failed: '✗', skipped: '−', aborted: '!' };

export function prettyReporter(out: NodeJS.WritableStream, opts: { tty?: boolean } = {}) {
  const tty = opts.tty ?? false;
  let live = '';
  const clearLive = () => {
    if (tty && live) {
      out.write('\r\x1b[2K');
      live = '';
    }
  };
  const showLive = (text: string) => {
    if (!tty) return;
    live = text.length > 120 ? `${text.slice(0, 119)}…` : text;
    out.write(`\r\x1b[2K${live}`);
  };
  const line = (text: string) => {
    clearLive();
    out.write(`${text}\n`);
  };
  return {
    attach(events: TypedEmitter<ScenarioEvents>) {
      events.on('run.started', (e) => line(`▶ ${e.scenario} (${e.file}) on ${e.target}, seed ${e.seed}${e.deterministic ? ', deterministic' : ''}`));
      events.on('step.started', (e) => showLive(`${'  '.repeat(e.depth)}… ${stepTitle(e)}`));
      events.on('step.progress', (e) => showLive(`  … ${e.id} ${e.message}`));
      events.on('step.log', (e) => {
        if (e.level === 'warn') line(`  warning: ${e.message}`);
        else if (!tty) line(`  ${e.message}`);
      });
      events.on('step.finished', (r) => {
        const pad = '  '.repeat(r.depth + 1);
        const time = r.status === 'skipped' ? '' : ` (${r.durationMs} ms)`;
        line(`${pad}${MARK[r.status]} ${r.cleanup ? 'cleanup ' : ''}${stepTitle(r)}${r.note ? `: ${r.note}` : ''}${time}`);
        if ((r.status === 'failed' || r.status === 'aborted') && r.children.every((c) => c.status === 'passed')) {
          line(failureText(r).split('\n').map((l) => `${pad}    ${l}`).join('\n'));
        }
      });
      events.on('cleanup.finished', (e) => {
        if (!e.ok) line(`  ✗ cleanup: ${e.description}: ${e.error}`);
      });
      events.on('run.finished', (r) => {
        const count = (s: StepRecord['status']) => r.steps.filter((x) => x.status === s).length;
        const text = r.status === 'passed' ? 'PASSED' : r.status === 'aborted' ? 'ABORTED' : 'FAILED';
        line(`${text} ${r.scenario}: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped in ${r.durationMs} ms (seed ${r.seed})${r.cleanupErrors.length ? `; ${r.cleanupErrors.length} cleanup errors` : ''}`);
      });
    },
  };
}
