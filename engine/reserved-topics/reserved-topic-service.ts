import type { Clock, Disposable, Logger, Service } from '../core/index.js';
import type { Publisher, TappedMessage } from '../broker/index.js';
import { unansweredAreas, type UnansweredArea } from './unanswered-topics.js';

/** Distinct (client, topic) pairs remembered for "log once"; past this the memory starts over. */
const MAX_LOGGED = 10_000;

/**
 * LIMITATIONS: answers requests on the reserved topics of services Thingbench does not have yet (none at present:
 * see unanswered-topics.ts) with that service's `…/rejected` error document and a log line, so a device learns why instead of
 * waiting forever. The reply is a normal publish on the rejected topic: every client subscribed to it and allowed to
 * receive it (iot:Receive, checked on delivery) gets it, not only the requester as AWS does for Jobs updates.
 */
export class ReservedTopicService implements Service {
  readonly name = 'reserved-topics';
  private taps: Disposable[] = [];
  private readonly logged = new Set<string>();

  constructor(private readonly pub: Publisher, private readonly clock: Clock, private readonly logger: Logger) {}

  async start(): Promise<void> {
    this.taps = unansweredAreas.flatMap((area) => area.filters.map((filter) => this.pub.tap(filter, (msg) => this.answer(area, msg))));
  }

  async stop(): Promise<void> {
    for (const tap of this.taps) tap.dispose();
    this.taps = [];
  }

  private answer(area: UnansweredArea, msg: TappedMessage): void {
    if (msg.will) return; // a client's last will is nobody's request
    const message = `Thingbench does not support ${area.service} yet: nothing answers ${msg.topic}`;
    this.logOnce(area, msg, message);
    const reply = { topic: `${msg.topic}/rejected`, payload: area.rejected(msg.payload, msg.topic, message, this.clock.now()), qos: 0 as const, retain: false };
    this.pub.publish(reply).catch((e: Error) => this.logger.log('warn', 'reserved-topics', `could not answer on ${reply.topic}: ${e.message}`));
  }

  private logOnce(area: UnansweredArea, msg: TappedMessage, message: string): void {
    const key = `${msg.clientId ?? ''}\0${msg.topic}`;
    if (this.logged.has(key)) return;
    if (this.logged.size >= MAX_LOGGED) this.logged.clear();
    this.logged.add(key);
    const who = msg.clientId === null ? 'The engine (HTTP API or UI)' : `Client ${msg.clientId}`;
    this.logger.log('warn', 'reserved-topics', `${who} published to ${msg.topic}. ${message}; it was answered on ${msg.topic}/rejected`, {
      clientId: msg.clientId, topic: msg.topic, service: area.service,
    });
  }
}
