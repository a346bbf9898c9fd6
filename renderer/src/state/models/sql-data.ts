/** Reading the engine's data for the SQL console's tables, a page at a time, with progress. */
import type { MessageRecord, SinkKind, SinkRecord, ThingInfo, ThingbenchClient } from '../../../../engine/contract/index.js';
import { sinkKinds } from '../../../../engine/contract/index.js';
import { registryTables, sinkTable, type SqlTable } from './sql-tables.js';

/** Messages read per `broker.messages` call (the contract's most). */
export const MESSAGE_PAGE = 10_000;
/** Records read per `sinks.records` call (the contract's most). */
const SINK_RECORDS = 1000;
/** Records read at most per sink (the newest). */
export const MAX_SINK_RECORDS = 50_000;

/**
 * The history's messages, newest first, at most `max`, a page at a time handed to `onPage` (awaited before the next
 * page is read): each page ends at the time of the last one's oldest message (messages seen already are skipped), so
 * more than a page's worth in one millisecond ends the reading. `from` (epoch ms) reads only what came since then.
 * Resolves with the number read.
 */
export async function streamMessages(
  client: Pick<ThingbenchClient, 'broker'>, max: number, onPage: (page: MessageRecord[], read: number) => unknown,
  pageSize = MESSAGE_PAGE, from?: number,
): Promise<number> {
  const seen = new Set<number>();
  let read = 0;
  let to: number | undefined;
  while (read < max) {
    const page = await client.broker.messages({ limit: pageSize, ...(to === undefined ? {} : { to }), ...(from === undefined ? {} : { from }) });
    const fresh = page.filter((m) => !seen.has(m.id)).slice(0, max - read);
    for (const m of fresh) seen.add(m.id);
    read += fresh.length;
    await onPage(fresh, read);
    if (page.length < pageSize || fresh.length === 0) break;
    to = page.at(-1)!.time;
  }
  return read;
}

/** `streamMessages` collected into one array (for tests and small reads). */
export async function readMessages(
  client: Pick<ThingbenchClient, 'broker'>, max: number, progress: (rows: number) => void, pageSize = MESSAGE_PAGE,
): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  await streamMessages(client, max, (page, read) => { out.push(...page); progress(read); }, pageSize);
  return out;
}

/** Every sink's kept records (the newest MAX_SINK_RECORDS of each, read a page at a time with `before`), one table per kind. */
export async function readSinks(
  client: Pick<ThingbenchClient, 'sinks'>, progress: (rows: number) => void, pageSize = SINK_RECORDS,
): Promise<SqlTable[]> {
  const sinks = await client.sinks.list();
  const byKind = new Map<SinkKind, { sink: string; record: SinkRecord }[]>(sinkKinds.map((k) => [k, []]));
  let rows = 0;
  for (const s of sinks) {
    let before: number | undefined;
    for (let read = 0; read < MAX_SINK_RECORDS;) {
      const page = await client.sinks.records(s.kind, s.name, { limit: pageSize, ...(before === undefined ? {} : { before }) });
      byKind.get(s.kind)!.push(...page.map((record) => ({ sink: s.name, record })));
      read += page.length;
      rows += page.length;
      progress(rows);
      if (page.length < pageSize) break;
      before = page.at(-1)!.id;
    }
  }
  return sinkKinds.map((k) => sinkTable(k, byKind.get(k)!));
}

/** Things (every page), thing types, groups, certificates and policies. */
export async function readRegistry(client: ThingbenchClient, progress: (rows: number) => void): Promise<SqlTable[]> {
  const things: ThingInfo[] = [];
  let after: string | undefined;
  do {
    const page = await client.registry.things(undefined, 250, after);
    things.push(...page.items);
    after = page.after;
    progress(things.length);
  } while (after);
  const [types, groups, certificates, policies] = await Promise.all([
    client.registry.thingTypes(), client.registry.groups(), client.security.certificates(), client.security.policies(),
  ]);
  return [
    registryTables.things(things), registryTables.thingTypes(types), registryTables.groups(groups),
    registryTables.certificates(certificates), registryTables.policies(policies),
  ];
}
