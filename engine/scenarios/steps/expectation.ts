/** What `expect`, `absent` and `capture` share: the filter, the match, the window, reading the run's inbox. */
import { compileMatcher, matchProblems, matchSchemaProperties, type MatchSpec } from '../match/matchers.js';
import { queryJsonPath } from '../match/jsonpath.js';
import { durationMs, durationSchema, qosSchema } from './args.js';
import type { Inbox, JsonSchema, SeenMessage, StepContext } from './step.js';

export interface MessageArgs extends MatchSpec {
  /** A topic filter (`+` and `#` allowed). */
  topic: string;
  within?: number | string;
  qos?: 0 | 1;
}

export const DEFAULT_WITHIN_MS = 10_000;

export const messageArgProperties: Record<string, JsonSchema> = {
  topic: { type: 'string', minLength: 1, description: 'The topic filter to watch (+ and # allowed); subscribed when the run starts.' },
  ...matchSchemaProperties,
  within: { ...durationSchema, description: 'How long to wait (default 10s; run time: virtual in deterministic mode).' },
  qos: qosSchema,
};

/** The match part of a step's arguments, as written. */
export function matchOf(args: MatchSpec): MatchSpec {
  const out: MatchSpec = {};
  for (const k of ['json', 'payload', 'where', 'regex', 'schema'] as const) if (args[k] !== undefined) (out as Record<string, unknown>)[k] = args[k];
  return out;
}

/** Problems the schema cannot see; parts still holding a `${…}` are checked when the step runs. */
export function messageArgProblems(step: string, args: MessageArgs): string[] {
  const problems: string[] = [];
  if (typeof args.topic === 'string' && !args.topic.includes('${') && !validFilter(args.topic)) {
    problems.push(`${step}: '${args.topic}' is not a valid topic filter ('#' only last and alone in its level, '+' alone in its level)`);
  }
  const spec = matchOf(args);
  if (!JSON.stringify(spec).includes('${')) problems.push(...matchProblems(spec).map((p) => `${step}: ${p}`));
  return problems;
}

export function validFilter(f: string): boolean {
  const levels = f.split('/');
  return levels.every((l, i) => (l.includes('#') ? l === '#' && i === levels.length - 1 : !l.includes('+') || l === '+'));
}

export function filtersOf(args: MessageArgs): string[] {
  return typeof args.topic === 'string' ? [args.topic] : [];
}

/** Resolves every change of an inbox as a wake-up for `RunClock.waitFor`. */
export function onMessages(inbox: Inbox): (wake: () => void) => { dispose(): void } {
  return (wake) => {
    const ac = new AbortController();
    const loop = async () => {
      while (!ac.signal.aborted) {
        const m = await inbox.next(ac.signal);
        if (m) wake();
      }
    };
    void loop();
    return { dispose: () => ac.abort() };
  };
}

export interface Collected {
  matched: SeenMessage[];
  inbox: Inbox;
  windowMs: number;
}

/**
 * Waits until `count` messages after the inbox's cursor match (consuming them), or the window ends; resolves with
 * what matched either way.
 */
export async function collect(ctx: StepContext, args: MessageArgs, count: number): Promise<Collected> {
  const inbox = await ctx.messages.inbox(args.topic, args.qos ?? 1);
  const matcher = compileMatcher(matchOf(args));
  const windowMs = args.within === undefined ? DEFAULT_WITHIN_MS : durationMs(args.within, 'within');
  const matched: SeenMessage[] = [];
  const probe = () => {
    for (const m of inbox.pending()) {
      if (matched.length >= count) break;
      if (matcher.test(m.payload)) {
        matched.push(m);
        inbox.consume(m);
      }
    }
    return matched.length >= count ? true : undefined;
  };
  await ctx.clock.waitFor(windowMs, probe, onMessages(inbox));
  return { matched, inbox, windowMs };
}

/** The payload as JSON, or undefined when it is not JSON. */
export function jsonOf(m: SeenMessage): unknown {
  try {
    return JSON.parse(m.payload);
  } catch {
    return undefined;
  }
}

/** Sets each `name: $.path` from `message`; returns the names that found nothing. */
export function captureVars(ctx: StepContext, vars: Record<string, string>, message: SeenMessage): string[] {
  const doc = jsonOf(message);
  const missing: string[] = [];
  for (const [name, path] of Object.entries(vars)) {
    const found = path === '$' ? [doc ?? message.payload] : doc === undefined ? [] : queryJsonPath(doc, path);
    if (found.length === 0) missing.push(`${name} (${path})`);
    else ctx.vars.set(name, found[0]);
  }
  return missing;
}

export const ms = (n: number): string => (n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);
