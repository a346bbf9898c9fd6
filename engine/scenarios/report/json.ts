/** The `json` reporter: JSON lines, one per event (`{"event":"step.finished",…}`), the last one the run's summary. */
import type { TypedEmitter } from '../../core/index.js';
import type { ScenarioEvents } from '../run/events.js';

export function jsonReporter(out: NodeJS.WritableStream) {
  const write = (event: string, data: object) => out.write(`${JSON.stringify({ event, ...data })}\n`);
  return {
    attach(events: TypedEmitter<ScenarioEvents>) {
      events.on('run.started', (e) => write('run.started', e));
      events.on('step.started', (e) => write('step.started', e));
      events.on('step.progress', (e) => write('step.progress', e));
      events.on('step.log', (e) => write('step.log', e));
      events.on('step.finished', ({ children: _children, ...r }) => write('step.finished', r));
      events.on('cleanup.finished', (e) => write('cleanup.finished', e));
      events.on('run.finished', (r) => write('summary', r));
    },
  };
}
