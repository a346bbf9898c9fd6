import { describe, expect, it } from 'vitest';
import {
  engineWebGuard, hostName, isAllowedHost, isAllowedOrigin, isLoopbackBind, normalizeOrigin, ownHostNames, parseHostHeader, webGuard, type OriginPolicy,
} from './local-guard.js';

const loopbackNames = ownHostNames('127.0.0.1');

describe('isAllowedHost', () => {
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['LOCALHOST:8080', true],
    ['[::1]:8080', true],
    ['127.0.0.1', true], // no port: a name match is enough (the AWS CRT leaves it out; browsers do only for 80/443)
    [undefined, true], // HTTP/1.0 without Host: not a browser
    ['127.0.0.1:8081', false], // another port
    ['evil.test:8080', false], // DNS rebinding: the attacker's name
    ['evil.test', false],
    ['localhost.:8080', false],
    ['my-bucket.s3.localhost:8080', true], // S3 virtual-host addressing: names under localhost are loopback (RFC 6761)
    ['my-bucket.localhost:8080', true],
    ['my-bucket.localhost:8081', false],
    ['localhost.evil.test:8080', false],
    ['evillocalhost:8080', false],
    ['127.0.0.2:8080', false],
    ['::1:8080', false], // IPv6 must be bracketed
    ['[::1]:99999', false],
    ['', false],
    ['127.0.0.1:8080 evil', false],
    ['user@127.0.0.1:8080', false],
  ])('%s → %s', (header, allowed) => {
    expect(isAllowedHost(header, loopbackNames, 8080)).toBe(allowed);
  });

  it('parses names and ports', () => {
    expect(parseHostHeader('[::1]:80')).toEqual({ name: '[::1]', port: 80 });
    expect(parseHostHeader('Example.COM')).toEqual({ name: 'example.com', port: undefined });
    expect(parseHostHeader('a:b')).toBeUndefined();
  });
});

describe('ownHostNames', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1' }, { address: '::1' }],
    eth0: [{ address: '192.168.1.20' }, { address: 'fe80::1%eth0' }],
  } as never;

  it.each([
    ['127.0.0.1', [], ['localhost', '127.0.0.1', '[::1]']],
    ['::1', [], ['localhost', '127.0.0.1', '[::1]']],
    ['127.0.0.2', [], ['localhost', '127.0.0.1', '[::1]', '127.0.0.2']],
    ['10.0.0.5', ['lab.local', 'Broker.Example'], ['localhost', '127.0.0.1', '[::1]', '10.0.0.5', 'lab.local', 'broker.example']],
    ['0.0.0.0', [], ['localhost', '127.0.0.1', '[::1]', '192.168.1.20', '[fe80::1]']],
    ['::', ['lab.local'], ['localhost', '127.0.0.1', '[::1]', '192.168.1.20', '[fe80::1]', 'lab.local']],
  ])('--host %s --tls-name %j', (bind, extra, names) => {
    expect(ownHostNames(bind, extra, interfaces).sort()).toEqual([...names].sort());
  });

  it('spells addresses as Host headers do', () => {
    expect(hostName('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(hostName('FE80::1%eth0')).toBe('[fe80::1]');
    expect(hostName('[::1]')).toBe('[::1]');
  });

  it('knows loopback binds', () => {
    expect(['127.0.0.1', '::1', 'localhost'].map(isLoopbackBind)).toEqual([true, true, true]);
    expect(['127.0.0.2', '0.0.0.0', '::', '192.168.1.20'].map(isLoopbackBind)).toEqual([false, false, false, false]);
  });
});

describe('isAllowedOrigin', () => {
  const engine: OriginPolicy = { origins: new Set(['https://lab.example']), loopback: true };
  const withNull: OriginPolicy = { origins: new Set(['null']), loopback: true };
  const uiOnly: OriginPolicy = { origins: new Set(['http://127.0.0.1:4280', 'http://localhost:4280']), loopback: false, required: true };

  it.each([
    [engine, undefined, true], // CLIs, SDKs, MQTT clients
    [engine, 'http://localhost:5173', true],
    [engine, 'http://127.0.0.1:3000', true],
    [engine, 'http://[::1]:8000', true],
    [engine, 'http://127.0.0.1', true],
    [engine, 'https://localhost:8443', true],
    [engine, 'https://lab.example', true], // --allow-origin
    [engine, 'https://lab.example:443', true],
    [engine, 'http://lab.example', false], // another scheme is another origin
    [engine, 'https://evil.test', false],
    [engine, 'http://localhost.evil.test', false],
    [engine, 'http://127.0.0.2:3000', false],
    [engine, 'null', false], // file:// pages and sandboxed frames are not loopback
    [withNull, 'null', true],
    [engine, 'chrome-extension://abc', false],
    [engine, 'garbage', false],
    [uiOnly, 'http://127.0.0.1:4280', true],
    [uiOnly, 'http://localhost:4280', true],
    [uiOnly, 'http://127.0.0.1:3000', false], // another loopback page may not drive the UI channel
    [uiOnly, undefined, false],
  ])('%#: %s', (policy, origin, allowed) => {
    expect(isAllowedOrigin(origin, policy)).toBe(allowed);
  });

  it.each([
    ['https://Lab.Example:443', 'https://lab.example'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['null', 'null'],
    ['http://localhost:3000/path', undefined],
    ['http://u:p@localhost:3000', undefined],
    ['ftp://localhost', undefined],
    ['localhost:3000', undefined],
    ['*', undefined],
  ])('normalizeOrigin(%s) → %s', (raw, normalized) => {
    expect(normalizeOrigin(raw)).toBe(normalized);
  });
});

describe('webGuard', () => {
  const req = (host: string | undefined, origin?: string, localAddress = '127.0.0.1', localPort = 8083) => ({ headers: { host, origin }, socket: { localAddress, localPort } });

  it('checks Host against the port the request arrived on, then Origin', () => {
    const guard = engineWebGuard({ host: '127.0.0.1', hostNames: [], allowOrigins: ['http://lab.example:8000'] });
    expect(guard.check(req('127.0.0.1:8083'))).toBeNull();
    expect(guard.check(req('127.0.0.1:8083', 'http://lab.example:8000'))).toBeNull();
    expect(guard.check(req('127.0.0.1:9999'))).toMatchObject({ header: 'host' });
    expect(guard.check(req('evil.test:8083', 'http://evil.test:8083'))).toMatchObject({ header: 'host', message: "Host 'evil.test:8083' does not name this endpoint" });
    expect(guard.check(req('localhost:8083', 'http://evil.test'))).toMatchObject({ header: 'origin' });
  });

  it('accepts the address the client reached (an interface of an engine bound to every interface)', () => {
    const guard = webGuard({ hostNames: ownHostNames('0.0.0.0', [], {}) });
    expect(guard.check(req('192.168.1.20:8083', undefined, '::ffff:192.168.1.20'))).toBeNull();
    expect(guard.check(req('192.168.1.21:8083', undefined, '::ffff:192.168.1.20'))).toMatchObject({ header: 'host' });
  });
});
