import { describe, expect, it } from 'vitest';
import { iotArn, silentLogger } from '../core/index.js';
import type { ConnectionGuard } from '../broker/index.js';
import { brokerHooks, type HooksContext, type ThingLookup } from './broker-hooks.js';
import { parsePolicyDocument } from './policies.js';

/**
 * Device guards (HTTPS, CoAP device sessions): which policies apply and what the policy variables resolve to. The
 * stores are stand-ins with the shapes the hooks read; the HTTPS side runs end to end in test/integration/device-https.
 */
const ARN = (r: string) => iotArn(r);
const certArn = (id: string) => ARN(`cert/${id}`);

function hooks(opts: { policies: Record<string, object[]>; attached: Record<string, string[]>; principals: Record<string, string[]>; groups?: Record<string, string[]> }) {
  const things: ThingLookup = {
    thingsOf: (principal) => Object.entries(opts.principals).filter(([, ps]) => ps.includes(principal)).map(([t]) => t),
    thing: (name) => (name in opts.principals ? { attributes: { site: 'lab' } } : undefined),
    groupsOf: (name) => opts.groups?.[name] ?? [],
    groupExists: () => true,
    principalsOf: (name) => opts.principals[name] ?? [],
    changes: () => 0,
  };
  const ctx = {
    certs: { generation: 0, row: () => ({ status: 'ACTIVE' }) },
    policies: {
      generation: 0,
      attached: (target: string) => opts.attached[target] ?? [],
      effective: (name: string) => (opts.policies[name] ? { name, version: '1', statements: parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: opts.policies[name] })) } : undefined),
    },
    things: () => things, logger: silentLogger, now: () => 0, recordDenial: () => {},
  } as unknown as HooksContext;
  return brokerHooks(ctx);
}

const guardOf = (r: ConnectionGuard | { refused: string }): ConnectionGuard => {
  if ('refused' in r) throw new Error(r.refused);
  return r;
};

describe('device guards', () => {
  it('CoAP: the policies of the thing\'s certificates and groups apply, thing variables resolve, the token id is the principal', () => {
    const h = hooks({
      policies: {
        own: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: ARN('topic/meters/${iot:Connection.Thing.ThingName}/*') }],
        fleet: [{ Effect: 'Allow', Action: ['iot:Subscribe', 'iot:Receive'], Resource: [ARN('topicfilter/fleet/*'), ARN('topic/fleet/*')] }],
        site: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: ARN('topic/sites/${iot:Connection.Thing.Attributes[site]}') }],
      },
      attached: { [certArn('c1')]: ['own', 'site'], [ARN('thinggroup/meters')]: ['fleet'] },
      principals: { 'meter-1': [certArn('c1')], 'meter-2': [] },
      groups: { 'meter-1': ['meters'] },
    });
    const g = guardOf(h.deviceGuard!({ clientId: 'meter-1', transport: 'coap', remoteAddress: '127.0.0.1', thing: 'meter-1', principal: 'tok-1' }));
    expect(g.principal).toBe('tok-1');
    expect([g.publish('meters/meter-1/t', false), g.publish('meters/meter-2/t', false), g.publish('sites/lab', false)]).toEqual([true, false, true]);
    expect([g.subscribe('fleet/cmd'), g.receive('fleet/cmd'), g.subscribe('other')]).toEqual([true, true, false]);
    // A thing with no principals has no policies: everything is denied.
    const bare = guardOf(h.deviceGuard!({ clientId: 'meter-2', transport: 'coap', remoteAddress: '127.0.0.1', thing: 'meter-2', principal: 'tok-2' }));
    expect(bare.publish('meters/meter-2/t', false)).toBe(false);
    expect(h.deviceGuard!({ clientId: 'x', transport: 'coap', remoteAddress: '127.0.0.1' })).toEqual({ refused: 'a CoAP device is identified by its thing and its token' });
  });

  it('HTTPS: the certificate\'s policies with no iot:Connect; the client id is its thing, or the one named', () => {
    const h = hooks({
      policies: { pub: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: ARN('topic/${iot:Connection.Thing.ThingName}/*') }] },
      attached: { [certArn('c9')]: ['pub'] },
      principals: { gw: [certArn('c9')], 'gw-2': [certArn('c9')], solo: [certArn('c8')] },
    });
    expect(h.deviceClientId!({ certificateId: 'c8' })).toBe('solo');
    expect(h.deviceClientId!({ certificateId: 'c9' })).toBe('c9'); // attached to two things: its certificate id
    expect(h.deviceClientId!({ certificateId: 'c9' }, 'gw-2')).toBe('gw-2');
    expect(h.deviceClientId!({ certificateId: 'c9' }, 'solo')).toEqual({ refused: 'certificate c9 is not attached to thing solo' });
    expect(h.deviceGuard!({ clientId: 'gw', transport: 'https', remoteAddress: '127.0.0.1', peer: { certificateId: 'c9' } })).toEqual({ refused: 'an HTTPS device needs a client certificate' });
  });
});
