import { serverCapabilities } from '../mqtt5/connection.js';
import { describe, it, expect } from 'vitest';
import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { DeviationLog } from '../aws-deviations.js';
import { defaultLimits } from '../limits.js';
import type { Session } from '../sessions.js';
import { authenticate, preConnect } from './connect.js';
import type { PacketContext } from './context.js';

const ctx = (mode: 'aws' | 'standard'): PacketContext => ({
  aws: mode === 'aws', limits: defaultLimits(mode), now: () => 0, mqtt5: serverCapabilities(mode === 'aws', defaultLimits(mode), 0), deviations: new DeviationLog({ log: () => {} }, () => 0),
});

describe('preConnect', () => {
  it.each([
    ['aws', 0, 1200], ['aws', 10, 30], ['aws', 60, 60], ['aws', 5000, 1200],
    ['standard', 0, 0], ['standard', 10, 10], ['standard', 5000, 5000],
  ] as const)('%s mode: keep-alive %i s is granted as %i s', (mode, wanted, granted) => {
    const packet = { clientId: 'c', keepalive: wanted } as AedesPacket & { clientId: string };
    preConnect(ctx(mode), {} as Session, packet);
    expect(packet.keepalive).toBe(granted);
  });

  it('notes a zero-length client id on the session', () => {
    const session = {} as Session;
    preConnect(ctx('standard'), session, { clientId: '' } as AedesPacket & { clientId: string });
    expect(session.emptyClientId).toBe(true);
  });
});

describe('authenticate', () => {
  const client = (id: string, clean = true) => ({ id, clean }) as AedesClient;

  it.each([
    ['aws', 'x'.repeat(128), true, null],
    ['aws', 'x'.repeat(129), true, 2],
    ['standard', 'x'.repeat(129), true, null],
  ] as const)('%s mode: a client id of %s bytes', (mode, id, clean, returnCode) => {
    const refusal = authenticate(ctx(mode), client(id, clean), {} as Session, undefined);
    expect(refusal?.returnCode ?? null).toBe(returnCode);
  });

  it('refuses a zero-length client id with a persistent session [MQTT-3.1.3-8]', () => {
    expect(authenticate(ctx('standard'), client('aedes_1', false), { emptyClientId: true } as Session, undefined)).toEqual({
      returnCode: 2, message: 'zero-length client id requires a clean session',
    });
  });

  it('marks the connection it takes over as DUPLICATE_CLIENTID', () => {
    const previous = {} as Session;
    expect(authenticate(ctx('aws'), client('dev'), {} as Session, previous)).toBeNull();
    expect(previous.reason).toBe('DUPLICATE_CLIENTID');
  });
});
