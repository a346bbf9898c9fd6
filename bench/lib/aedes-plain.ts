// Plain aedes 1.x broker with default options (memory persistence, no hooks, no logging): the reference point
// for `bench broker --target aedes-plain`. Prints the same ready line as `thingbench up --json`.
//   node --import tsx bench/lib/aedes-plain.ts [--port 0]
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const { Aedes } = await import('aedes');
const broker = await Aedes.createBroker();
const server = net.createServer(broker.handle);
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address() as net.AddressInfo;
  const ready = { event: 'ready', endpoints: { mqtt: `mqtt://127.0.0.1:${addr.port}` }, pid: process.pid };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
});

function shutdown(): void {
  setTimeout(() => process.exit(0), 2000).unref();
  server.close();
  broker.close(() => process.exit(0));
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
