import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addProfile, loadProfiles, removeProfile, validateProfile, type TargetProfile } from './profiles.js';

const dirs: string[] = [];
const home = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-profiles-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('target profiles', () => {
  it('are added, listed and removed in <data dir>/targets.json, owner-only, without temporary files left', () => {
    const dir = home();
    expect(loadProfiles(dir).size).toBe(0);
    addProfile(dir, 'trainer', { kind: 'thingbench', mqttUrl: 'mqtts://10.0.0.5:8883', endpoint: 'http://10.0.0.5:8080', cert: '/k/c.pem', key: '/k/k.pem', ca: '/k/ca.pem', accessKeyId: 'AKID', secretAccessKeyEnv: 'TB_SECRET' });
    addProfile(dir, 'broker', { kind: 'mqtt', mqttUrl: 'mqtt://127.0.0.1:1883', username: undefined });
    const file = path.join(dir, 'targets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['targets.json']);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(doc.targets)).toEqual(['broker', 'trainer']);
    expect(doc.targets.broker).toEqual({ kind: 'mqtt', mqttUrl: 'mqtt://127.0.0.1:1883' });
    expect(loadProfiles(dir).get('trainer')?.secretAccessKeyEnv).toBe('TB_SECRET');

    expect(() => addProfile(dir, 'broker', { kind: 'mqtt', mqttUrl: 'mqtt://x:1' })).toThrow("a target named 'broker' already exists (remove it first, or add with --replace)");
    addProfile(dir, 'broker', { kind: 'mqtt', mqttUrl: 'mqtt://x:1' }, { replace: true });
    expect(loadProfiles(dir).get('broker')?.mqttUrl).toBe('mqtt://x:1');
    removeProfile(dir, 'broker');
    expect([...loadProfiles(dir).keys()]).toEqual(['trainer']);
    expect(() => removeProfile(dir, 'broker')).toThrow("no target named 'broker' (targets: trainer)");
  });

  it('a damaged file is one sentence naming it', () => {
    const dir = home();
    fs.writeFileSync(path.join(dir, 'targets.json'), '{"targets": ');
    expect(() => loadProfiles(dir)).toThrow(/targets\.json is not valid JSON .*; fix or remove it$/);
    fs.writeFileSync(path.join(dir, 'targets.json'), '{"targets": {"x": {"kind": "mqtt"}}}');
    expect(() => loadProfiles(dir)).toThrow(/targets\.json: target 'x': a mqtt target needs --mqtt-url .*\(fix it, or thingbench target remove x\)$/);
    removeProfile(dir, 'x'); // a profile that no longer validates can still be removed
    expect(loadProfiles(dir).size).toBe(0);
  });

  it.each<[string, TargetProfile, string]>([
    ['bad name!', { kind: 'local' }, "a target name is 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit), not 'bad name!'"],
    ['t', { kind: 'cloud' as 'aws' }, "target 't': the kind must be one of local, thingbench, aws, mqtt, not 'cloud'"],
    ['t', { kind: 'mqtt', mqttUrl: 'http://x' }, "target 't': --mqtt-url must use mqtt://, mqtts://, ws:// or wss://, not 'http://'"],
    ['t', { kind: 'mqtt', mqttUrl: 'mqtt://u:p@x' }, "target 't': --mqtt-url must not carry a login: use --username and --password-file or --password-env"],
    ['t', { kind: 'mqtt', mqttUrl: 'mqtt://x', cert: '/c' , key: '/k' }, "target 't': --cert, --key and --ca are for mqtts:// and wss:// URLs, not mqtt://x"],
    ['t', { kind: 'mqtt', mqttUrl: 'mqtt://x', passwordEnv: 'P' }, "target 't': a password needs --username"],
    ['t', { kind: 'local', mqttUrl: 'mqtt://x' }, "target 't': --mqtt-url does not apply to a local target"],
    ['t', { kind: 'thingbench', mqttUrl: 'mqtts://x:8883', endpoint: 'http://x:8080' }, "target 't': a thingbench target needs --cert (the device certificate it issued, for mutual TLS)"],
    ['t', { kind: 'thingbench', mqttUrl: 'mqtt://x', endpoint: 'http://x:8080', accessKeyId: 'A' }, "target 't': --access-key-id needs its secret, from --secret-access-key-file FILE or --secret-access-key-env VARIABLE"],
    ['t', { kind: 'thingbench', mqttUrl: 'mqtt://x' }, "target 't': a thingbench target needs --endpoint (its HTTP API, e.g. http://trainer.local:8080)"],
    ['t', { kind: 'aws', cert: '/c', key: '/k', region: 'mars' }, "target 't': --region must be an AWS region like eu-west-1, not 'mars'"],
    ['t', { kind: 'aws', cert: '/c', key: '/k', endpoint: 'https://x.example/path' }, "target 't': --endpoint must be the ATS endpoint host, like abc123-ats.iot.us-east-1.amazonaws.com, not 'https://x.example/path'"],
    ['t', { kind: 'aws', region: 'eu-west-1' }, "target 't': an aws target needs --cert (a device certificate AWS IoT Core knows, for mutual TLS)"],
    ['t', { kind: 'aws', cert: '/c' }, "target 't': --cert and --key go together"],
  ])('refuses %s %j: %s', (name, profile, message) => {
    expect(() => validateProfile(name, profile)).toThrow(message);
  });

  it('accepts each kind in its usual shape', () => {
    expect(() => validateProfile('local', { kind: 'local' })).not.toThrow();
    expect(() => validateProfile('cloud', { kind: 'aws', cert: '/c', key: '/k', awsProfile: 'lab', region: 'eu-west-1', endpoint: 'abc-ats.iot.eu-west-1.amazonaws.com' })).not.toThrow();
    expect(() => validateProfile('room', { kind: 'thingbench', mqttUrl: 'mqtt://127.0.0.1:1883', endpoint: 'http://127.0.0.1:8080' })).not.toThrow();
    expect(() => validateProfile('b', { kind: 'mqtt', mqttUrl: 'mqtts://b:8883', ca: '/ca', username: 'u', passwordFile: '/p' })).not.toThrow();
  });
});
