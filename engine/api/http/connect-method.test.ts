import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/index.js';
import { HttpApiServer } from './http-server.js';

let server: HttpApiServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

describe('HTTP CONNECT', () => {
  it('is answered 405 MethodNotAllowedException in AWS shape, logged, and the connection closed', async () => {
    const lines: string[] = [];
    const logger: Logger = { log: (level, area, message) => { lines.push(`${level} ${area} ${message}`); } };
    server = new HttpApiServer([], { logger });
    const port = await server.listen();
    const socket = net.connect(port, '127.0.0.1');
    socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'end');
    const text = Buffer.concat(chunks).toString();
    expect(text).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(text).toMatch(/x-amzn-ErrorType: MethodNotAllowedException:/i);
    expect(text).toMatch(/x-amzn-RequestId: [0-9a-f-]{36}/i);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ message: 'Method CONNECT is not allowed' });
    expect(lines).toContainEqual(expect.stringMatching(/^warn api\.http CONNECT example\.com:443 refused: 405/));
  });
});
