/**
 * The CoAP listener's place in the engine: `coap` on the ready line, loopback unless asked otherwise with
 * --coap-insecure (the engine refuses to start with one sentence), and a taken UDP port failing the start with the
 * port's sentence while nothing stays open; `--coap-rate-limit` setting the per-address flood limit.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { generate, parse } from 'coap-packet';
import { describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { EngineError } from '../../engine/core/index.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli, startCli } from './helpers/cli-process.js';

describe('the CoAP listener', () => {
  it('is on the ready line, on loopback', async () => {
    const cli = await startCli(tempDir('tb-coap-cli-'));
    try {
      expect((cli.ready.endpoints as Record<string, string>).coap).toMatch(/^coap:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });

  it('refuses another address without --coap-insecure, in one sentence', async () => {
    const p = runCli(['up', '--data-dir', tempDir('tb-coap-cli-'), '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0', '--coap-host', '0.0.0.0']);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain('CoAP has no DTLS here, so it listens on 0.0.0.0 only with --coap-insecure');
  });

  it('fails the start on a taken UDP port with its sentence, and leaves nothing listening', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()));
    const port = taken.address().port;
    const dataDir = tempDir('tb-coap-taken-');
    const engine = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0, coap: port } }));
    const failure = await engine.start().then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).message).toBe(`Port ${port} (CoAP, UDP) on 127.0.0.1 is already in use`);
    expect((failure as EngineError).details).toMatchObject({ reason: 'PortInUse', listener: 'coap' });
    // The failed start released the data directory: another engine opens it and starts.
    taken.close();
    const again = await createEngine(defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0, coap: port } }));
    const info = await again.start();
    expect(info.endpoints.coap).toBe(`coap://127.0.0.1:${port}`);
    await again.stop();
  });

  it('takes its per-address flood limit from --coap-rate-limit, and refuses a value that is no rate in one sentence', async () => {
    const bad = runCli(['up', '--data-dir', tempDir('tb-coap-cli-'), '--mqtt-port', '0', '--coap-rate-limit', 'fast']);
    expect((await bad.exited).code).toBe(2); // a usage error
    expect(bad.stderr()).toContain("--coap-rate-limit must be requests per second from 1 to 1000000, or off, not 'fast'");

    // 5 requests per second, burst 10: 40 requests at once get 4.29 beyond the burst (the rest 4.01: no credentials).
    const cli = await startCli(tempDir('tb-coap-cli-'), ['--coap-rate-limit', '5']);
    const raw = dgram.createSocket('udp4');
    try {
      const port = Number(new URL((cli.ready.endpoints as Record<string, string>).coap.replace('coap:', 'http:')).port);
      await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
      const answers: string[] = [];
      raw.on('message', (msg) => answers.push(parse(msg).code));
      for (let id = 1; id <= 40; id++) {
        raw.send(generate({ code: '0.02', messageId: id, token: Buffer.of(id), confirmable: false, options: [{ name: 'Uri-Path', value: Buffer.from('topics') }] }), port, '127.0.0.1');
      }
      await vi.waitFor(() => expect(answers.length).toBeGreaterThanOrEqual(35), { timeout: 10_000, interval: 20 });
      expect(answers.filter((c) => c === '4.29').length).toBeGreaterThanOrEqual(20);
      expect(answers.filter((c) => c === '4.01').length).toBeGreaterThanOrEqual(10);
    } finally {
      raw.close();
      await once(raw, 'close');
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });
});
