/** `$CA_FILE` on an AWS target: the target's own CA file, or Amazon Root CA 1 as AWS publishes it. */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../scenarios/index.js';
import { loadCatalogue } from './catalogue.js';
import { AMAZON_ROOT_CA_1, labEnv } from './env.js';

/** What an `aws` target profile opens to, without the network: an ATS endpoint, a device certificate, maybe a CA. */
function awsTarget(ca?: string): Target {
  return {
    name: 'aws', kind: 'aws',
    capabilities: { shadows: true, controlPlane: true, sinks: false, engineRestart: false },
    mqtt: () => ({ url: 'mqtts://abc123-ats.iot.eu-west-1.amazonaws.com:8883', tls: { cert: 'CERT', key: 'KEY', ...(ca ? { ca } : {}) } }),
    aws: { region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } },
    close: async () => undefined,
  };
}

const lab = loadCatalogue().find((l) => l.id === 1)!;

describe('the guide environment on AWS', () => {
  it('points $CA_FILE at Amazon Root CA 1 when the target names no CA of its own', () => {
    const env = labEnv(lab, awsTarget(), { attendee: 'ann' });
    expect(env.CA_FILE).toBe(AMAZON_ROOT_CA_1);
    const cert = new X509Certificate(fs.readFileSync(env.CA_FILE));
    expect(cert.fingerprint256.replace(/:/g, '').toLowerCase()).toBe('8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e');
    expect(cert.subject).toBe('C=US\nO=Amazon\nCN=Amazon Root CA 1');
    expect(cert.ca).toBe(true);
    expect(env).toMatchObject({ AWS: 'aws', MQTT_HOST: 'abc123-ats.iot.eu-west-1.amazonaws.com', MQTT_TLS_PORT: '8883', REGION: 'eu-west-1' });
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
  });

  it("keeps the target's own CA file", () => {
    const pem = fs.readFileSync(AMAZON_ROOT_CA_1, 'utf8');
    const env = labEnv(lab, awsTarget(`${pem}# the trainer's bundle\n`), { attendee: 'ann' });
    expect(env.CA_FILE).not.toBe(AMAZON_ROOT_CA_1);
    expect(fs.readFileSync(env.CA_FILE, 'utf8')).toBe(`${pem}# the trainer's bundle\n`);
  });
});
