/**
 * MQTT 5 message properties through the engine, from AWS's HTTP Publish (AWS SDK v3 and /usr/bin/aws): the broker
 * carries them, the retained store keeps them across a restart, and GetRetainedMessage returns the user properties.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetRetainedMessageCommand, IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;

const sdkFor = (t: TestEngine) => new IoTDataPlaneClient({
  region: 'us-east-1', endpoint: t.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1,
});
const userProps = (blob: Uint8Array | undefined) => (blob ? JSON.parse(Buffer.from(blob).toString('utf8')) : undefined);

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});

afterAll(async () => {
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

describe('retained messages keep their MQTT 5 properties', () => {
  it('GetRetainedMessage returns the user properties of a retained Publish, in order, and after a restart', async () => {
    let sdk = sdkFor(te);
    const users = [{ deviceName: 'alpha' }, { deviceCnt: '45' }, { deviceName: 'beta' }];
    await sdk.send(new PublishCommand({
      topic: 'v5/retained', qos: 1, retain: true, payload: Buffer.from('{"on":true}'), userProperties: JSON.stringify(users),
      contentType: 'application/json', correlationData: Buffer.from([0, 1, 2]).toString('base64'),
    }));
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/retained' }));
    expect(userProps(got.userProperties)).toEqual(users);
    expect(Buffer.from(got.payload!).toString()).toBe('{"on":true}');
    sdk.destroy();

    await te.stop();
    te = await te.restart();
    sdk = sdkFor(te);
    const again = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/retained' }));
    expect(userProps(again.userProperties)).toEqual(users);
    sdk.destroy();
  });

  it('a retained message without user properties has no userProperties', async () => {
    const sdk = sdkFor(te);
    await sdk.send(new PublishCommand({ topic: 'v5/plain', retain: true, payload: Buffer.from('x'), contentType: 'text/plain' }));
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/plain' }));
    expect(got.userProperties).toBeUndefined();
    sdk.destroy();
  });
});

describeAwsCli('aws iot-data publish --user-properties', () => {
  it('carries the CLI\'s user properties into the retained message', async () => {
    const opts = { endpoint: te.httpUrl };
    await awsCliJson(['iot-data', 'publish', '--topic', 'v5/cli', '--retain', '--qos', '1', '--cli-binary-format', 'raw-in-base64-out',
      '--payload', '{"t":1}', '--user-properties', '[{"site":"lab"},{"rack":"7"}]', '--content-type', 'application/json'], opts);
    // This CLI's (2.9) GetRetainedMessage model predates `userProperties`, so the SDK reads the message back.
    const sdk = sdkFor(te);
    const got = await sdk.send(new GetRetainedMessageCommand({ topic: 'v5/cli' }));
    sdk.destroy();
    expect(userProps(got.userProperties)).toEqual([{ site: 'lab' }, { rack: '7' }]);
  });
});
