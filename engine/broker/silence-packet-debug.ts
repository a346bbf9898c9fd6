import { createRequire } from 'node:module';

/**
 * mqtt-packet calls `debug(...)` dozens of times per packet; even disabled, each call allocates its arguments and
 * reads a getter, about 4 % of the broker's CPU per message. Unless DEBUG asks for its output, hand mqtt-packet a
 * no-op instead. Must run before aedes (and so mqtt-packet) is first loaded: aedes-adapter imports this first.
 */
const require = createRequire(import.meta.url);
const debugPath = require.resolve('debug', { paths: [require.resolve('mqtt-packet')] });
const wanted = (process.env.DEBUG ?? '').includes('mqtt-packet');
if (!wanted && !require.cache[require.resolve('mqtt-packet')]) {
  const createDebug = require(debugPath) as (namespace: string) => unknown;
  const noop = Object.assign(() => {}, { enabled: false, extend: () => noop });
  const quiet = Object.assign((namespace: string) => (namespace.startsWith('mqtt-packet') ? noop : createDebug(namespace)), createDebug);
  require.cache[debugPath]!.exports = quiet;
}
