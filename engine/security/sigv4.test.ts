import { describe, expect, it } from 'vitest';
import { sigv4Signer } from '../../test/helpers/sigv4-signer.js';
import { isSigned, verifySigV4, type SignedRequest } from './sigv4.js';

const key = { accessKeyId: 'AKIDUNIT', secretAccessKey: 'unit-secret' };
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const MIN = 60_000;
const signer = (service = 'iotdata', secret = key.secretAccessKey) => sigv4Signer(service, { ...key, secretAccessKey: secret });

interface Smithy { method: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }
/** What the engine sees of a request the SDK signed (path and query as sent on the wire). */
function received(r: Smithy, body = typeof r.body === 'string' ? r.body : ''): SignedRequest {
  const query = Object.entries(r.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: r.method, path: r.path, query, headers, body: Buffer.from(body) };
}
const publish = (body: string): Smithy => ({ method: 'POST', path: '/topics/a%2Fb', query: { qos: '1' }, headers: { host: 'h:1' }, body });

describe('verifySigV4', () => {
  it('accepts the AWS SDK signer\'s header and presigned forms', async () => {
    const header = await signer().sign({ ...publish('{"a":1}'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) });
    expect(verifySigV4(received(header), [key], NOW)).toEqual({ ok: true, accessKeyId: key.accessKeyId });
    const presigned = await signer('iot').presign({ method: 'GET', protocol: 'http:', hostname: 'h', path: '/policies', query: { pageSize: '5' }, headers: { host: 'h:1' } }, { signingDate: new Date(NOW) });
    expect(verifySigV4(received(presigned), [key], NOW)).toEqual({ ok: true, accessKeyId: key.accessKeyId });
  });

  it.each([
    ['a changed body', async () => received(await signer().sign({ ...publish('{"a":1}'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) }), '{"a":2}'), 'InvalidSignatureException', /^The request signature we calculated does not match/],
    ['UNSIGNED-PAYLOAD claimed', async () => {
      const r = await signer().sign({ ...publish('x'), headers: { host: 'h:1', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) });
      return received(r, 'y');
    }, 'InvalidSignatureException', /does not match/],
    ['a wrong secret', async () => received(await signer('iotdata', 'guess').sign({ ...publish('x'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) })), 'InvalidSignatureException', /does not match/],
    ['16 minutes old', async () => received(await signer().sign({ ...publish('x'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW - 16 * MIN) })), 'InvalidSignatureException',
      /^Signature expired: 20260102T024805Z is now earlier than 20260102T024905Z \(20260102T030405Z - 15 min\.\)$/],
    ['16 minutes ahead', async () => received(await signer().sign({ ...publish('x'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW + 16 * MIN) })), 'InvalidSignatureException',
      /^Signature not yet current: 20260102T032005Z is still later than 20260102T031905Z \(20260102T030405Z \+ 15 min\.\)$/],
    ['a presigned URL past X-Amz-Expires', async () => received(await signer('iot').presign({ method: 'GET', protocol: 'http:', hostname: 'h', path: '/policies', headers: { host: 'h:1' } }, { signingDate: new Date(NOW - 2 * MIN), expiresIn: 60 })),
      'InvalidSignatureException', /^Signature expired: /],
    ['an unknown key', async () => received(await sigv4Signer('iot', { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' }).sign({ ...publish('x'), protocol: 'http:', hostname: 'h' })),
      'UnrecognizedClientException', /^The security token included in the request is invalid\.$/],
    ['no signature', async () => received(publish('x')), 'MissingAuthenticationTokenException', /^Missing Authentication Token$/],
    ['a query missing X-Amz-Signature', async () => ({ ...received(publish('')), query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260102T030405Z' }), 'IncompleteSignatureException', /^AWS query-string parameters must include 'X-Amz-Algorithm'/],
  ])('refuses %s', async (_name, make, type, message) => {
    const r = verifySigV4(await make(), [key], NOW);
    expect(r).toMatchObject({ ok: false, type });
    expect(!r.ok && r.message).toMatch(message);
  });

  it('AWS IoT: X-Amz-Security-Token appended after signing is not part of the canonical query; a signed one works too', async () => {
    const base: Smithy = { method: 'GET', path: '/mqtt', headers: { host: 'h:8083' } };
    const unsignedToken = await signer('iotdevicegateway').presign({ ...base, protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) });
    const r1 = received(unsignedToken);
    expect(verifySigV4({ ...r1, query: `${r1.query}&X-Amz-Security-Token=abc%2Fdef` }, [key], NOW)).toMatchObject({ ok: true });
    const signedToken = await sigv4Signer('iotdevicegateway', { ...key, sessionToken: 'abc/def' })
      .presign({ ...base, protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) });
    expect(verifySigV4(received(signedToken), [key], NOW)).toMatchObject({ ok: true });
  });

  it('accepts STS temporary credentials with their session token until they expire', async () => {
    const temp = { accessKeyId: 'ASIATEMPORARY', secretAccessKey: 'temp-secret', sessionToken: 'session/token', expiration: NOW + 10 * MIN };
    const temporaryKey = (id: string) => (id === temp.accessKeyId ? temp : undefined);
    const signed = received(await sigv4Signer('sqs', temp).sign({ ...publish('x'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) }));
    expect(signed.headers['x-amz-security-token']).toBe('session/token');
    expect(verifySigV4(signed, [key], NOW, { temporaryKey })).toEqual({ ok: true, accessKeyId: temp.accessKeyId });
    expect(verifySigV4(signed, [key], NOW + 10 * MIN, { temporaryKey })).toEqual({ ok: false, type: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    const { sessionToken: _t, ...withoutToken } = temp;
    const noToken = received(await sigv4Signer('sqs', withoutToken).sign({ ...publish('x'), protocol: 'http:', hostname: 'h' }, { signingDate: new Date(NOW) }));
    expect(verifySigV4(noToken, [key], NOW, { temporaryKey })).toMatchObject({ ok: false, type: 'UnrecognizedClientException' });
    expect(verifySigV4(signed, [key], NOW)).toMatchObject({ ok: false, type: 'UnrecognizedClientException' });
  });

  it('without configured keys (loopback) any key id is accepted, but dates are still checked', async () => {
    const other = sigv4Signer('iotdevicegateway', { accessKeyId: 'AKIDANY', secretAccessKey: 'whatever' });
    const ok = await other.presign({ method: 'GET', protocol: 'http:', hostname: 'h', path: '/mqtt', headers: { host: 'h:1' } }, { signingDate: new Date(NOW), expiresIn: 300 });
    expect(verifySigV4(received(ok), [], NOW, { anyKey: true })).toEqual({ ok: true, accessKeyId: 'AKIDANY' });
    const stale = await other.presign({ method: 'GET', protocol: 'http:', hostname: 'h', path: '/mqtt', headers: { host: 'h:1' } }, { signingDate: new Date(NOW - 10 * MIN), expiresIn: 300 });
    expect(verifySigV4(received(stale), [], NOW, { anyKey: true })).toMatchObject({ ok: false, type: 'InvalidSignatureException' });
  });

  it('isSigned tells signed requests (either form) from unsigned ones', () => {
    expect(isSigned({ query: '', headers: {} })).toBe(false);
    expect(isSigned({ query: 'a=1', headers: { authorization: 'Bearer x' } })).toBe(false);
    expect(isSigned({ query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256', headers: {} })).toBe(true);
    expect(isSigned({ query: '', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=…' } })).toBe(true);
  });
});
