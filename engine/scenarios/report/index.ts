/** Reporters: `pretty` (live on a terminal), `json` (JSON lines), `junit` (JUnit XML). Each listens to a run's events. */
import type { TypedEmitter } from '../../core/index.js';
import type { ScenarioEvents } from '../run/events.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { prettyReporter } from './pretty.js';

export const REPORTERS = ['pretty', 'json', 'junit'] as const;
export type ReporterKind = (typeof REPORTERS)[number];

export interface Reporter {
  attach(events: TypedEmitter<ScenarioEvents>): void;
}

export function createReporter(kind: ReporterKind, out: NodeJS.WritableStream, opts: { tty?: boolean } = {}): Reporter {
  switch (kind) {
    case 'pretty': return prettyReporter(out, opts);
    case 'json': return jsonReporter(out);
    case 'junit': return junitReporter(out);
  }
}

export { junitXml, xmlEscape } from './junit.js';
export { failureText } from './failure-text.js';
