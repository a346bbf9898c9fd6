/**
 * Thing group membership as the jobs service sees it (seam 4): `groups.things(group)` lists a static or dynamic
 * group's members and `groups.events` emits `membership` for every change — static add/remove, a deleted thing or
 * group, dynamic membership following attributes, shadows and the per-thing group limit — over a real store. The shadow
 * reader here is a small in-memory one (the integration tests use the real shadow service).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.js';
import { SqlJsStore } from '../storage/index.js';
import { TypedEmitter } from '../core/index.js';
import type { JsonObject } from '../contract/index.js';
import { RegistryService } from './registry-service.js';
import type { MembershipChange } from './thing-groups.js';

class Shadows {
  readonly events = new TypedEmitter<{ updated: { thing: string } }>();
  private readonly docs = new Map<string, JsonObject>();
  get(address: { thing: string; name: string | null }) {
    const reported = this.docs.get(address.thing);
    if (!reported || address.name !== null) throw new Error('no shadow');
    return { state: { reported }, version: 1 };
  }
  report(thing: string, reported: JsonObject): void {
    this.docs.set(thing, reported);
    this.events.emit('updated', { thing });
  }
}

const stores: SqlJsStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {});
});

async function registry(dataDir = tempDir('tb-groups-')) {
  const store = await SqlJsStore.open(dataDir);
  stores.push(store);
  const shadows = new Shadows();
  const presence = { tap: () => ({ dispose() {} }) };
  let t = 1_000;
  const reg = new RegistryService(store, presence, shadows, { now: () => t++ });
  await reg.start();
  const changes: MembershipChange[] = [];
  reg.groups.events.on('membership', (c) => changes.push(c));
  return { reg, shadows, changes, store, dataDir };
}

describe('static group membership', () => {
  it('lists members and emits added/removed for Add, Remove, thing deletion and group deletion', async () => {
    const { reg, changes } = await registry();
    await reg.createThing('a');
    await reg.createThing('b');
    await reg.groups.create('g');
    await reg.groups.addThing('g', 'a');
    await reg.groups.addThing('g', 'a'); // already a member: no second event
    await reg.groups.addThing('g', 'b');
    expect(reg.groups.things('g').items).toEqual(['a', 'b']);
    await reg.groups.removeThing('g', 'b');
    await reg.groups.removeThing('g', 'b'); // not a member: no event
    await reg.deleteThing('a');
    await reg.createThing('c');
    await reg.groups.addThing('g', 'c');
    await reg.groups.delete('g');
    expect(changes).toEqual([
      { group: 'g', thing: 'a', change: 'added', dynamic: false },
      { group: 'g', thing: 'b', change: 'added', dynamic: false },
      { group: 'g', thing: 'b', change: 'removed', dynamic: false },
      { group: 'g', thing: 'a', change: 'removed', dynamic: false },
      { group: 'g', thing: 'c', change: 'added', dynamic: false },
      { group: 'g', thing: 'c', change: 'removed', dynamic: false },
    ]);
  });

  it('lists a parent group with its children recursively, and pages', async () => {
    const { reg } = await registry();
    await reg.groups.create('root');
    await reg.groups.create('leaf', { parent: 'root' });
    for (const n of ['t1', 't2', 't3']) await reg.createThing(n);
    await reg.groups.addThing('root', 't1');
    await reg.groups.addThing('leaf', 't2');
    await reg.groups.addThing('leaf', 't3');
    expect(reg.groups.things('root').items).toEqual(['t1']);
    expect(reg.groups.things('root', true).items).toEqual(['t1', 't2', 't3']);
    expect(reg.groups.things('root', true, 2)).toEqual({ items: ['t1', 't2'], after: 't2' });
  });
});

describe('dynamic group membership', () => {
  it('follows attributes, thing creation and deletion', async () => {
    const { reg, changes } = await registry();
    await reg.createThing('old', { attributes: { fw: '1' } });
    await reg.groups.createDynamic('fw2', { queryString: 'attributes.fw:2' });
    expect(reg.groups.things('fw2').items).toEqual([]);
    await reg.updateThing('old', { attributes: { fw: '2' }, merge: true });
    await reg.createThing('new', { attributes: { fw: '2' } });
    expect(reg.groups.things('fw2').items).toEqual(['new', 'old']);
    await reg.updateThing('old', { attributes: { fw: '3' }, merge: true });
    await reg.deleteThing('new');
    expect(reg.groups.things('fw2').items).toEqual([]);
    expect(changes).toEqual([
      { group: 'fw2', thing: 'old', change: 'added', dynamic: true },
      { group: 'fw2', thing: 'new', change: 'added', dynamic: true },
      { group: 'fw2', thing: 'old', change: 'removed', dynamic: true },
      { group: 'fw2', thing: 'new', change: 'removed', dynamic: true },
    ]);
  });

  it('follows shadow reported values, only for things in the registry', async () => {
    const { reg, shadows, changes } = await registry();
    await reg.createThing('dev');
    await reg.groups.createDynamic('charged', { queryString: 'shadow.reported.battery > 80' });
    shadows.report('dev', { battery: 90 });
    shadows.report('ghost', { battery: 95 }); // a shadow without a thing is not in the index
    expect(reg.groups.things('charged').items).toEqual(['dev']);
    shadows.report('dev', { battery: 10 });
    expect(reg.groups.things('charged').items).toEqual([]);
    expect(changes.map((c) => `${c.change} ${c.thing}`)).toEqual(['added dev', 'removed dev']);
  });

  it('follows static group membership when the query names thingGroupNames', async () => {
    const { reg, changes } = await registry();
    await reg.createThing('lamp');
    await reg.groups.create('kitchen');
    await reg.groups.createDynamic('kitchen-things', { queryString: 'thingGroupNames:kitchen' });
    await reg.groups.addThing('kitchen', 'lamp');
    expect(reg.groups.things('kitchen-things').items).toEqual(['lamp']);
    await reg.groups.delete('kitchen');
    expect(reg.groups.things('kitchen-things').items).toEqual([]);
    expect(changes.map((c) => `${c.change} ${c.group} ${c.dynamic}`)).toEqual([
      'added kitchen false', 'added kitchen-things true', 'removed kitchen false', 'removed kitchen-things true',
    ]);
  });

  it('is found again from the stored groups after a restart', async () => {
    const dataDir = tempDir('tb-groups-');
    const first = await registry(dataDir);
    await first.reg.createThing('x', { attributes: { site: 'north' } });
    await first.reg.groups.createDynamic('north', { queryString: 'attributes.site:north' });
    await first.reg.stop();
    await first.store.close();
    stores.splice(stores.indexOf(first.store), 1);
    const second = await registry(dataDir);
    expect(second.reg.groups.things('north').items).toEqual(['x']);
    expect(second.reg.groups.describe('north').dynamic).toMatchObject({ queryString: 'attributes.site:north', indexName: 'AWS_Things', status: 'ACTIVE' });
  });

  it('keeps a thing in at most 10 groups: older dynamic groups first, overrideDynamicGroups makes room for a static one', async () => {
    const { reg } = await registry();
    await reg.createThing('busy', { attributes: { k: 'v' } });
    for (let i = 0; i < 9; i++) {
      await reg.groups.create(`s${i}`);
      await reg.groups.addThing(`s${i}`, 'busy');
    }
    await reg.groups.createDynamic('d-old', { queryString: 'attributes.k:v' });
    await reg.groups.createDynamic('d-new', { queryString: 'thingName:busy' });
    expect(reg.groups.groupsOf('busy').items.map((g) => g.name)).toContain('d-old');
    expect(reg.groups.groupsOf('busy').items.map((g) => g.name)).not.toContain('d-new');
    await reg.groups.create('s9');
    await expect(reg.groups.addThing('s9', 'busy')).rejects.toMatchObject({ code: 'InvalidInput' });
    await reg.groups.addThing('s9', 'busy', true);
    expect(reg.groups.things('d-old').items).toEqual([]);
    expect(reg.groups.groupsOf('busy').items).toHaveLength(10);
    await reg.groups.removeThing('s0', 'busy');
    expect(reg.groups.things('d-old').items).toEqual(['busy']);
  });
});
