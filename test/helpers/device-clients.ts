/**
 * Real device clients for asking devices: `curl` with a client certificate on the HTTPS device endpoint, libcoap's
 * `coap-client-notls` on the CoAP listener. Both run asynchronously (the engine runs in the test's process).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddThingToThingGroupCommand, AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand,
  CreateThingGroupCommand, type IoTClient,
} from '@aws-sdk/client-iot';

/**
 * A thing group `name` with the policy `name` (allowing iot:Publish on `resource`) attached, and `things` made and put in
 * it: a CoAP or HTTPS device without a certificate of its own acts with its thing groups' policies.
 */
export async function thingsInPolicyGroup(iot: IoTClient, name: string, resource: string, things: readonly string[]): Promise<void> {
  const policyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: resource }] });
  await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument }));
  const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: name }));
  await iot.send(new AttachPolicyCommand({ policyName: name, target: group.thingGroupArn }));
  for (const thingName of things) {
    await iot.send(new CreateThingCommand({ thingName }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: name, thingName }));
  }
}

/** A thing with an ACTIVE certificate allowed to publish anywhere; its PEM files in `dir`. */
export async function thingWithCertificate(iot: IoTClient, dir: string, name: string): Promise<{ cert: string; key: string }> {
  const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: '*' }] };
  await iot.send(new CreatePolicyCommand({ policyName: `${name}-policy`, policyDocument: JSON.stringify(policy) }));
  await iot.send(new AttachPolicyCommand({ policyName: `${name}-policy`, target: c.certificateArn }));
  await iot.send(new CreateThingCommand({ thingName: name }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: name, principal: c.certificateArn }));
  const files = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}.key`) };
  fs.writeFileSync(files.cert, c.certificatePem!);
  fs.writeFileSync(files.key, c.keyPair!.PrivateKey!);
  return files;
}

export interface CurlReply {
  /** curl's exit code (0: an HTTP answer came). */
  exit: number;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** `curl -i` trusting `caFile`, with a client certificate when `creds` names one. */
export function curlWithCert(url: string, caFile: string, creds: { cert: string; key: string } | null, args: string[] = []): Promise<CurlReply> {
  const tls = creds ? ['--cert', creds.cert, '--key', creds.key] : [];
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-i', '--cacert', caFile, ...tls, ...args, url], { encoding: 'buffer' }, (err, stdout) => {
      const text = stdout.toString('utf8');
      const split = text.lastIndexOf('\r\n\r\n');
      const lines = (split < 0 ? '' : text.slice(0, split)).split('\r\n');
      const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ exit: err ? Number((err as { code?: number }).code ?? 1) : 0, status, headers, body: split < 0 ? text : text.slice(split + 4) });
    });
  });
}

export const COAP_CLIENT = '/usr/bin/coap-client-notls';

/** Runs coap-client-notls with packet dumps (-v 6); `codes` are the response codes it received, in order. */
export function coapClient(args: string[]): Promise<{ codes: string[]; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    execFile(COAP_CLIENT, ['-v', '6', '-B', '10', ...args], { timeout: 30_000 }, (e, out, err) => {
      if (e && e.killed) return reject(new Error(`coap-client timed out: ${err}`));
      const codes = [...out.matchAll(/^v:1 t:(?:ACK|CON|NON) c:(\d\.\d\d)/gm)].map((m) => m[1]);
      resolve({ codes, out, err });
    });
  });
}
