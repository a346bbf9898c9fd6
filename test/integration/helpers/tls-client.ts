import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface Credentials {
  key: string;
  cert: string;
  ca: string;
}

/** Connects mqtt.js over mutual TLS; resolves with the client on CONNACK or with why it did not connect. */
export function tlsConnect(url: string, creds: Credentials, opts: IClientOptions = {}): Promise<{ client?: MqttClient; error?: string }> {
  const client = mqtt.connect(url, { ...creds, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client }));
    client.once('error', (e) => {
      client.end(true);
      resolve({ error: e.message });
    });
    client.once('close', () => resolve({ error: 'closed' }));
  });
}

/** Resolves when the client's connection closes. */
export const closed = (client: MqttClient) => new Promise<void>((r) => (client.disconnected ? r() : client.once('close', () => r())));

/** openssl in a scratch directory: a CA, a device certificate it signs, a verification certificate with a given CN. */
export function openssl(dir: string, ...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function makeCa(dir: string, name: string): { key: string; cert: string } {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return { key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'), cert: fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8') };
}

/** A key, a CSR and a certificate signed by CA `ca` for subject CN `cn`. */
export function makeSigned(dir: string, ca: string, name: string, cn: string, days = 30): { key: string; cert: string; csr: string } {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}/O=Acme`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days));
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { key: read(`${name}.key`), cert: read(`${name}.pem`), csr: read(`${name}.csr`) };
}
