/**
 * What every local sink kind guarantees (ARCHITECTURE §7): explicit targets (or auto-created where AWS creates them),
 * NotFound for a missing target, records readable through `records()` with their trace id, restart survival,
 * deletion, `recorded` events and bounded retention.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SinkKind, SinkOptions } from '../../engine/contract/index.js';
import { isEngineError } from '../../engine/core/index.js';
import type { SinkLimits, SinkService } from '../../engine/sinks/index.js';
import { openSinks, type SinkHarness } from '../helpers/sinks.js';

export interface SinkUnderTest {
  kind: SinkKind;
  name: string;
  options?: SinkOptions;
  /** Writes one record that carries `traceId` (and makes it readable: a delivery stream flushes). */
  write(sinks: SinkService, name: string, traceId: string, n: number): Promise<void>;
  /** True when a write creates its target (metric namespaces, as PutMetricData does). */
  autoCreates?: boolean;
  /** How the sink stays bounded at the limits below: drops its oldest records, or refuses new ones. */
  bound: 'trim' | 'refuse';
}

const small: Partial<SinkLimits> = { records: 3, logEvents: 3, queueMessages: 3, streamRecords: 3, tableItems: 3 };

export function describeSink(sut: SinkUnderTest): void {
  describe(`sink conformance: ${sut.kind}`, () => {
    const open: SinkHarness[] = [];
    const harness = async (limits?: Partial<SinkLimits>) => {
      const h = await openSinks({ limits });
      open.push(h);
      return h;
    };
    afterEach(async () => {
      for (const h of open.splice(0)) {
        await h.close().catch(() => {});
        fs.rmSync(h.dataDir, { recursive: true, force: true });
      }
    });

    it('creates a target once, lists it with an AWS-shaped identifier, and keeps the first options', async () => {
      const { sinks } = await harness();
      const info = await sinks.create(sut.kind, sut.name, sut.options);
      expect(info).toMatchObject({ kind: sut.kind, name: sut.name, count: 0 });
      expect(info.arn).toContain(sut.name);
      expect(await sinks.create(sut.kind, sut.name)).toEqual(info);
      expect(sinks.list(sut.kind)).toEqual([info]);
      expect(sinks.list().map((s) => s.name)).toContain(sut.name);
    });

    it(sut.autoCreates ? 'creates the target on first write' : 'fails a write to a missing target with NotFound', async () => {
      const { sinks } = await harness();
      if (sut.autoCreates) {
        await sut.write(sinks, sut.name, 'trace-auto', 0);
        expect(sinks.list(sut.kind).map((s) => s.name)).toEqual([sut.name]);
        return;
      }
      const error = await sut.write(sinks, 'missing-target', 'trace-x', 0).then(() => null, (e: unknown) => e);
      expect(isEngineError(error) && error.code).toBe('NotFound');
      expect(() => sinks.records(sut.kind, 'missing-target')).toThrow(/does not exist/);
    });

    it('keeps records with their trace id, newest first, filtered by trace id and id', async () => {
      const { sinks } = await harness();
      await sinks.create(sut.kind, sut.name, sut.options);
      await sut.write(sinks, sut.name, 'trace-1', 1);
      await sut.write(sinks, sut.name, 'trace-2', 2);
      const records = sinks.records(sut.kind, sut.name);
      expect(records.map((r) => r.traceId)).toEqual(['trace-2', 'trace-1']);
      expect(records[0].id).toBeGreaterThan(records[1].id);
      expect(sinks.records(sut.kind, sut.name, { traceId: 'trace-1' }).map((r) => r.id)).toEqual([records[1].id]);
      expect(sinks.records(sut.kind, sut.name, { after: records[1].id }).map((r) => r.id)).toEqual([records[0].id]);
      expect(sinks.records(sut.kind, sut.name, { limit: 1 })).toHaveLength(1);
      expect(sinks.list(sut.kind)[0].count).toBe(2);
    });

    it('survives a restart with its options and records', async () => {
      const h = await harness();
      const info = await h.sinks.create(sut.kind, sut.name, sut.options);
      await sut.write(h.sinks, sut.name, 'trace-r', 1);
      const before = h.sinks.records(sut.kind, sut.name);
      open.splice(open.indexOf(h), 1);
      const again = await h.reopen();
      open.push(again);
      expect(again.sinks.list(sut.kind)).toEqual([{ ...info, count: 1 }]);
      expect(again.sinks.records(sut.kind, sut.name)).toEqual(before);
      await sut.write(again.sinks, sut.name, 'trace-r2', 2);
      const after = again.sinks.records(sut.kind, sut.name);
      expect(after[0].traceId).toBe('trace-r2');
      expect(after[0].id).toBeGreaterThan(before[0].id);
    });

    it('deletes a target with its records', async () => {
      const { sinks } = await harness();
      await sinks.create(sut.kind, sut.name, sut.options);
      await sut.write(sinks, sut.name, 'trace-d', 1);
      await sinks.delete(sut.kind, sut.name);
      expect(sinks.list(sut.kind)).toEqual([]);
      await sinks.create(sut.kind, sut.name, sut.options);
      expect(sinks.records(sut.kind, sut.name)).toEqual([]);
    });

    it('announces new records in batches', async () => {
      const { sinks } = await harness();
      await sinks.create(sut.kind, sut.name, sut.options);
      const batch = new Promise((resolve) => sinks.events.on('recorded', resolve));
      await sut.write(sinks, sut.name, 'trace-e', 1);
      expect(await batch).toEqual([expect.objectContaining({ kind: sut.kind, name: sut.name, traceId: 'trace-e' })]);
    });

    it(`stays bounded (${sut.bound === 'trim' ? 'the oldest records are dropped' : 'writes beyond the limit fail'})`, async () => {
      const { sinks } = await harness(small);
      await sinks.create(sut.kind, sut.name, sut.options);
      const failures: string[] = [];
      for (let i = 1; i <= 5; i++) {
        await sut.write(sinks, sut.name, `trace-${i}`, i).catch((e: unknown) => failures.push(isEngineError(e) ? e.code : String(e)));
      }
      const kept = sinks.records(sut.kind, sut.name).map((r) => r.traceId);
      expect(kept).toEqual(['trace-3', 'trace-2', 'trace-1'].map((t) => (sut.bound === 'trim' ? t.replace(/\d/, (d) => String(Number(d) + 2)) : t)));
      expect(failures).toEqual(sut.bound === 'refuse' ? ['Throttled', 'Throttled'] : []);
      expect(sinks.list(sut.kind)[0].count).toBe(3);
    });
  });
}
