/**
 * The `aws iot` CLI (AWS CLI v2 at /usr/bin/aws) walking the registry part of Lab 1 against the engine (skipped when
 * it is not installed): thing type, thing with attributes, group, principal, list and search, endpoint, and an error exit.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { AwsCliError, awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let CERT = 'arn:aws:iot:us-east-1:000000000000:cert/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

describeAwsCli('aws iot registry commands', () => {
  let te: TestEngine;
  const aws = (...args: string[]) => awsCliJson(['iot', ...args, '--output', 'json'], { endpoint: te.httpUrl });
  const awsFails = (...args: string[]) => aws(...args).then(() => undefined, (e: AwsCliError) => e);

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    // A real certificate where the security half is present; otherwise a well-formed ARN.
    CERT = await aws('create-keys-and-certificate', '--set-as-active').then((r) => r.certificateArn as string, () => CERT);
  });

  afterAll(async () => {
    await te?.stop();
  });

  it('walks Lab 1: type, thing, group, principal, list, search, endpoint', async () => {
    expect(await aws('create-thing-type', '--thing-type-name', 'Sensor', '--thing-type-properties', 'thingTypeDescription=Temperature sensors,searchableAttributes=room'))
      .toMatchObject({ thingTypeName: 'Sensor', thingTypeArn: 'arn:aws:iot:us-east-1:000000000000:thingtype/Sensor' });
    expect(await aws('create-thing', '--thing-name', 'MyThing', '--thing-type-name', 'Sensor', '--attribute-payload', '{"attributes":{"room":"kitchen","floor":"1"}}'))
      .toMatchObject({ thingName: 'MyThing', thingArn: 'arn:aws:iot:us-east-1:000000000000:thing/MyThing' });
    expect(await aws('describe-thing', '--thing-name', 'MyThing'))
      .toMatchObject({ defaultClientId: 'MyThing', thingTypeName: 'Sensor', attributes: { room: 'kitchen', floor: '1' }, version: 1 });
    await aws('update-thing', '--thing-name', 'MyThing', '--attribute-payload', '{"attributes":{"floor":"2"},"merge":true}', '--expected-version', '1');
    expect((await aws('describe-thing', '--thing-name', 'MyThing')).version).toBe(2);

    await aws('create-thing-group', '--thing-group-name', 'Kitchen');
    await aws('add-thing-to-thing-group', '--thing-group-name', 'Kitchen', '--thing-name', 'MyThing');
    expect(await aws('list-things-in-thing-group', '--thing-group-name', 'Kitchen')).toEqual({ things: ['MyThing'] });

    await aws('attach-thing-principal', '--thing-name', 'MyThing', '--principal', CERT);
    expect(await aws('list-thing-principals', '--thing-name', 'MyThing')).toEqual({ principals: [CERT] });

    const listed = await aws('list-things', '--attribute-name', 'room', '--attribute-value', 'kitchen');
    expect(listed.things.map((t: { thingName: string }) => t.thingName)).toEqual(['MyThing']);
    expect((await aws('list-thing-types')).thingTypes[0]).toMatchObject({ thingTypeName: 'Sensor', thingTypeMetadata: { deprecated: false } });

    const found = await aws('search-index', '--query-string', 'thingGroupNames:Kitchen AND attributes.floor>1');
    expect(found.things).toEqual([expect.objectContaining({ thingName: 'MyThing', thingGroupNames: ['Kitchen'], connectivity: { connected: false } })]);

    expect(await aws('describe-endpoint', '--endpoint-type', 'iot:Data-ATS')).toEqual({ endpointAddress: '127.0.0.1' });

    await aws('detach-thing-principal', '--thing-name', 'MyThing', '--principal', CERT);
    await aws('delete-thing', '--thing-name', 'MyThing');
    expect((await aws('list-things')).things).toEqual([]);
  }, 180_000); // each CLI run starts Python (~1 s)

  it('reports AWS error names and exits non-zero', async () => {
    const missing = await awsFails('describe-thing', '--thing-name', 'ghost');
    expect(missing?.code).toBe(254); // AWS CLI v2: the service answered with an error
    expect(missing?.stderr).toContain('An error occurred (ResourceNotFoundException) when calling the DescribeThing operation');
    const bad = await awsFails('search-index', '--query-string', 'thingName:[a TO');
    expect(bad?.stderr).toContain('(InvalidQueryException) when calling the SearchIndex operation');
    await aws('create-thing', '--thing-name', 'Twice');
    const exists = await awsFails('create-thing', '--thing-name', 'Twice', '--attribute-payload', '{"attributes":{"a":"1"}}');
    expect(exists?.stderr).toContain('(ResourceAlreadyExistsException) when calling the CreateThing operation');
  }, 60_000);
});
