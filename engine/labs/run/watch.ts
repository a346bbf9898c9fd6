/**
 * `watchLab`: re-checks a lab as things change and reports each round whose statuses changed. On a target in this
 * process, on the engine's own events (`broker.messages`, `shadow.updated`, `sinks.recorded`, `rules.evaluated`),
 * debounced; everywhere, the observer connection's messages (remote targets) and a poll every few seconds (what the
 * control plane changes has no event: a thing created with the CLI is seen by the poll).
 */
import { randomBytes } from 'node:crypto';
import { topicMatches, type Disposable, type MessageBatch } from '../../contract/index.js';
import type { Target } from '../../scenarios/index.js';
import { AwsClients, Observer } from '../checks/index.js';
import { labVariables } from '../format/env.js';
import type { Lab } from '../format/types.js';
import { checkLab, labFilters, type CheckLabOptions, type CheckReport } from './check-lab.js';

export interface WatchLabOptions extends Omit<CheckLabOptions, 'observer' | 'clients'> {
  /** Called with every round whose statuses differ from the previous one (and with the first). */
  onReport(report: CheckReport): void;
  /** Called when a round fails as a whole (the target cannot be reached). */
  onError?(error: Error): void;
  /** Quiet time after an event before re-checking (default 250 ms). */
  debounceMs?: number;
  /** Re-checks at least this often (default 3 s). */
  pollMs?: number;
}

export interface LabWatch {
  /** Re-checks now (coalesced with a round already running). */
  recheck(): Promise<CheckReport | undefined>;
  /** The last report. */
  readonly last: CheckReport | undefined;
  stop(): Promise<void>;
}

/** The engine events that can change what a lab's checks of these kinds see. */
const EVENTS_FOR: Record<string, ReadonlyArray<'shadow.updated' | 'sinks.recorded' | 'rules.evaluated'>> = {
  shadow: ['shadow.updated'], sink: ['sinks.recorded'], local: ['rules.evaluated'], rule: ['rules.evaluated'],
};
const signature = (r: CheckReport) => r.checks.map((c) => `${c.id}:${c.status}:${c.status === 'done' ? '' : c.reason}`).join('|');

export async function watchLab(lab: Lab, target: Target, opts: WatchLabOptions): Promise<LabWatch> {
  const since = opts.since ?? Date.now();
  const clients = new AwsClients(target);
  const subs: Disposable[] = [];
  let observer: Observer | undefined;
  if (!target.api) {
    observer = await Observer.open(target, `tb-lab-${lab.id}-${randomBytes(3).toString('hex')}`);
    await observer.subscribe(labFilters(lab, labVariables(lab, target, opts)));
  }
  let last: CheckReport | undefined;
  let lastSig = '';
  let running: Promise<CheckReport | undefined> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<CheckReport | undefined> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let report: CheckReport | undefined;
      do {
        again = false;
        if (stopped) break;
        try {
          report = await checkLab(lab, target, { ...opts, since, observer, clients });
        } catch (e) {
          opts.onError?.(e as Error);
          continue;
        }
        last = report;
        const sig = signature(report);
        if (sig !== lastSig) {
          lastSig = sig;
          opts.onReport(report);
        }
      } while (again && !stopped);
      return report;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void round(), opts.debounceMs ?? 250);
  };
  if (target.events) {
    // Messages only on the filters the checks read: a busy broker does not re-check a lab whose topics are quiet.
    const filters = labFilters(lab, labVariables(lab, target, opts));
    if (filters.length) {
      subs.push(target.events.on('broker.messages', (batch: MessageBatch) => {
        if (batch.messages.some((m) => filters.some((f) => topicMatches(f, m.topic, { dollar: true })))) schedule();
      }));
    }
    const names = new Set(lab.checks.flatMap((c) => EVENTS_FOR[c.kind] ?? []));
    for (const name of names) subs.push(target.events.on(name, schedule));
  }
  if (observer) observer.onMessage = schedule;
  const poll = setInterval(() => void round(), opts.pollMs ?? 3000);
  await round();
  return {
    recheck: round,
    get last() {
      return last;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const s of subs) s.dispose();
      await running?.catch(() => undefined);
      await observer?.close();
      clients.destroy();
    },
  };
}
