/**
 * A lab reset on a local target removes the lab's dynamic thing groups as well as its static ones: ListThingGroups lists
 * both, and DeleteThingGroup refuses a dynamic group (as AWS does), so the reset deletes those with DeleteDynamicThingGroup.
 */
import { CreateDynamicThingGroupCommand, CreateThingGroupCommand, IoTClient, ListThingGroupsCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findLab, loadCatalogue, namePrefix, resetLab, type Lab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

let target: Target;
let lab: Lab;

beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-groups-lab-') });
  lab = findLab(loadCatalogue(), 12);
}, 60_000);
afterAll(async () => {
  await target?.close();
});

it('deletes the lab\'s static and dynamic thing groups', async () => {
  const iot = new IoTClient({ region: target.aws!.region, endpoint: target.aws!.endpoint, credentials: target.aws!.credentials as { accessKeyId: string; secretAccessKey: string } });
  try {
    const prefix = namePrefix('thingGroup', lab.id, 'bob');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: `${prefix}static` }));
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: `${prefix}dynamic`, queryString: 'attributes.floor:1' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'someone-elses' }));
    const reset = await resetLab(lab, target, { attendee: 'bob' });
    expect(reset.errors).toEqual([]);
    expect(reset.removed.filter((r) => r.kind === 'thingGroup').map((r) => r.name).sort()).toEqual([`${prefix}dynamic`, `${prefix}static`]);
    expect((await iot.send(new ListThingGroupsCommand({}))).thingGroups?.map((g) => g.groupName)).toEqual(['someone-elses']);
  } finally {
    iot.destroy();
  }
}, 60_000);
