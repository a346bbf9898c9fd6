import { PassThrough } from 'node:stream';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { AEDES_INTERNALS, AEDES_VERSION, checkAedesInternals } from './aedes-adapter.js';

type Found = Parameters<typeof checkAedesInternals>[0];

describe('checkAedesInternals', () => {
  let broker: Aedes | undefined;
  let probe: { clean: boolean; close(): void } | undefined;
  afterEach(async () => {
    if (probe) probe.clean = false;
    probe?.close();
    await new Promise<void>((r) => (broker ? broker.close(() => r()) : r()));
  });

  /** The objects the adapter inspects at start, from a real aedes broker and a probe client. */
  async function live(): Promise<Found> {
    broker = await Aedes.createBroker();
    const b = broker as unknown as { mq: { _matcher: object }; handle(conn: PassThrough): { _parser: object; clean: boolean; close(): void } };
    const client = (probe = b.handle(new PassThrough()));
    return { broker: b, mq: b.mq, matcher: b.mq._matcher, client, parser: client._parser };
  }

  it(`finds every member it relies on in the pinned aedes ${AEDES_VERSION}`, async () => {
    const found = await live();
    expect(() => checkAedesInternals(found)).not.toThrow();
    expect(Object.keys(AEDES_INTERNALS.client)).toEqual(expect.arrayContaining(['_parsingBatch', '_parser', 'deliverQoS', '_nextId']));
  });

  it('names a missing private field, its owner and the pinned version', async () => {
    const found = await live();
    const client = Object.create(found.client) as object; // everything else is still there
    Object.defineProperty(client, '_parsingBatch', { value: undefined });
    expect(() => checkAedesInternals({ ...found, client })).toThrow(
      `aedes ${AEDES_VERSION} internals changed: client._parsingBatch is undefined, expected number.`,
    );
  });

  it('names a member whose shape changed', async () => {
    const found = await live();
    const matcher = { ...found.matcher, match: 'not a function' };
    expect(() => checkAedesInternals({ ...found, matcher })).toThrow(/matcher\.match is string, expected function\. .*keep aedes pinned at 1\.2\.0/);
  });
});
