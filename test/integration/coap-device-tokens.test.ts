/**
 * CoAP device tokens (migration 0022): set through the contract and `thingbench things token` on a running engine,
 * shown once, kept only as a salted hash (the secret is nowhere in the data directory), listed without secrets,
 * durable across a restart and deleted with their thing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError } from '../../engine/contract/index.js';
import { connectEngine, runningEngine } from '../../engine/host/index.js';
import { startTestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError || e instanceof Error ? { code: (e as RpcError).code, message: e.message } : e));

/** Every byte under `dir`, for the check that a secret is stored nowhere. */
function everyFile(dir: string): Buffer {
  return Buffer.concat(fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name))));
}

describe('device tokens through the contract', () => {
  it('are generated or given, shown once, hashed at rest, durable, and deleted with their thing', async () => {
    let te = await startTestEngine();
    const api = te.engine.api.registry;
    await api.createThing('valve-1');
    await api.createThing('valve-2');
    const generated = await api.setDeviceToken({ thing: 'valve-1' });
    expect(generated).toEqual({ thing: 'valve-1', token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), tokenId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const given = await api.setDeviceToken({ thing: 'valve-2', token: 'my-own-secret-0123' });
    expect(given.token).toBe('my-own-secret-0123');
    expect(await api.deviceTokens()).toEqual([
      { thing: 'valve-1', tokenId: generated.tokenId, createdAt: expect.any(Number) },
      { thing: 'valve-2', tokenId: given.tokenId, createdAt: expect.any(Number) },
    ]);
    expect(await failure(api.setDeviceToken({ thing: 'nobody' }))).toMatchObject({ code: 'NotFound' });
    expect(await failure(api.setDeviceToken({ thing: 'valve-1', token: 'short' }))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(api.setDeviceToken({ thing: 'valve-1', token: 'has&an=ampersand-and-more' }))).toMatchObject({ code: 'InvalidInput' });

    await te.stop();
    const stored = everyFile(te.dataDir);
    expect(stored.includes(Buffer.from(generated.token))).toBe(false);
    expect(stored.includes(Buffer.from(given.token))).toBe(false);
    expect(stored.includes(Buffer.from(given.tokenId))).toBe(true);

    te = await te.restart();
    const again = te.engine.api.registry;
    expect((await again.deviceTokens()).map((t) => t.tokenId)).toEqual([generated.tokenId, given.tokenId]);
    // A new token replaces the old one (with a new id); deleting the thing deletes its token.
    const replaced = await again.setDeviceToken({ thing: 'valve-2' });
    expect(replaced.tokenId).not.toBe(given.tokenId);
    await again.deleteThing('valve-1');
    await again.deleteDeviceToken('valve-2');
    expect(await again.deviceTokens()).toEqual([]);
    expect(await failure(again.deleteDeviceToken('valve-2'))).toMatchObject({ code: 'NotFound' });
    await again.createThing('valve-1');
    expect(await again.deviceTokens()).toEqual([]);
    await te.stop();
  });
});

describe('thingbench things token', () => {
  let dataDir: string;
  let cli: RunningCli;

  beforeAll(async () => {
    dataDir = tempDir('tb-things-cli-');
    cli = await startCli(dataDir);
    const client = await connectEngine(runningEngine(dataDir)!);
    await client.registry.createThing('meter-9');
    client.dispose();
  });
  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });

  const run = async (...args: string[]) => {
    const p = runCli(['things', ...args, '--data-dir', dataDir]);
    const { code } = await p.exited;
    return { code, out: p.stdout(), err: p.stderr() };
  };

  it('sets, lists and deletes a running engine\'s token; bad input exits 2', async () => {
    const set = await run('token', 'meter-9', '--json');
    expect(set.code).toBe(0);
    const created = JSON.parse(set.out) as { thing: string; token: string; tokenId: string };
    expect(created).toMatchObject({ thing: 'meter-9', token: expect.any(String), tokenId: expect.any(String) });
    const listed = await run('tokens', '--json');
    expect(JSON.parse(listed.out)).toEqual({ thing: 'meter-9', tokenId: created.tokenId, createdAt: expect.any(Number) });
    expect(listed.out).not.toContain(created.token);
    const human = await run('token', 'meter-9', '--token', 'a-secret-of-sixteen');
    expect(human.out).toContain('a-secret-of-sixteen');
    expect(await run('token', 'missing-thing')).toMatchObject({ code: 2, err: expect.stringContaining('cannot be found') });
    expect(await run('token')).toMatchObject({ code: 2, err: expect.stringContaining('needs a thing name') });
    expect(await run('token', 'meter-9', '--delete')).toMatchObject({ code: 0 });
    expect((await run('tokens')).out).toBe('');
  });

  it('says so when no engine runs on the data directory', async () => {
    const p = runCli(['things', 'tokens', '--data-dir', tempDir('tb-things-none-')]);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toContain('no Thingbench is running');
  });
});
