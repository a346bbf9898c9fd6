/**
 * Reserved shadow topics [DG:device-shadow-mqtt]: `$aws/things/{thing}/shadow[/name/{shadow}]/{get,update,delete}`
 * for requests, plus `/accepted`, `/rejected`, `/delta`, `/documents` for the service's answers.
 */
export type ShadowOperation = 'get' | 'update' | 'delete';
export type ReplyKind = 'accepted' | 'rejected' | 'delta' | 'documents';

/**
 * Every request topic, classic and named: what the service taps. Exact filters rather than `…/shadow/#`, so the
 * service's own replies (`…/accepted`, `…/documents`, …) never come back to it.
 */
export const SHADOW_REQUEST_FILTERS: readonly string[] = ['get', 'update', 'delete'].flatMap((op) => [
  `$aws/things/+/shadow/${op}`,
  `$aws/things/+/shadow/name/+/${op}`,
]);

export interface ShadowAddress {
  thing: string;
  /** null for the classic (unnamed) shadow. */
  name: string | null;
}

export interface ShadowRequestTopic extends ShadowAddress {
  operation: ShadowOperation;
}

const OPERATIONS = new Set(['get', 'update', 'delete']);

/** Parses a request topic; anything else (reply topics, unknown suffixes) is undefined. Names are checked later. */
export function parseRequestTopic(topic: string): ShadowRequestTopic | undefined {
  // Most tapped messages are the service's own replies: refuse them before splitting.
  if (!topic.endsWith('/update') && !topic.endsWith('/get') && !topic.endsWith('/delete')) return undefined;
  const p = topic.split('/');
  if (p[0] !== '$aws' || p[1] !== 'things' || p[3] !== 'shadow') return undefined;
  if (p.length === 5 && OPERATIONS.has(p[4])) return { thing: p[2], name: null, operation: p[4] as ShadowOperation };
  if (p.length === 7 && p[4] === 'name' && OPERATIONS.has(p[6])) return { thing: p[2], name: p[5], operation: p[6] as ShadowOperation };
  return undefined;
}

export function topicPrefix({ thing, name }: ShadowAddress): string {
  return name === null ? `$aws/things/${thing}/shadow` : `$aws/things/${thing}/shadow/name/${name}`;
}

export function replyTopic(address: ShadowAddress, operation: ShadowOperation, kind: ReplyKind): string {
  return `${topicPrefix(address)}/${operation}/${kind}`;
}
