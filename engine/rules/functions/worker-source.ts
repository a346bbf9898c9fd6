/**
 * The code a function's worker thread runs (CommonJS, evaluated with `eval: true` so it needs no loader): loads the
 * function module once, then serves `invoke` messages one at a time. The local SDK (`context.sdk` and the global
 * `thingbench`) turns publish / shadow / notify / table calls into messages answered by the main thread.
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
let handler = null;
let nextCall = 1;
const calls = new Map();

function call(op, args) {
  return new Promise((resolve, reject) => {
    const callId = nextCall++;
    calls.set(callId, { resolve, reject });
    parentPort.postMessage({ type: 'sdk', callId, op, args });
  });
}
const sdk = {
  publish: (topic, payload, options) => call('publish', { topic, payload, qos: options && options.qos ? 1 : 0 }),
  getShadow: (thingName, shadowName) => call('getShadow', { thingName, shadowName: shadowName || null }),
  updateShadow: (thingName, document, shadowName) => call('updateShadow', { thingName, document, shadowName: shadowName || null }),
  notify: (message, subject) => call('notify', { message: typeof message === 'string' ? message : JSON.stringify(message), subject: subject || null }),
  getItem: (tableName, key) => call('getItem', { tableName, key }),
};
globalThis.thingbench = sdk;

async function load() {
  const url = pathToFileURL(workerData.file).href + '?v=' + workerData.version;
  let mod;
  if (workerData.file.endsWith('.ts')) {
    const { tsImport } = await import(workerData.tsxApi);
    mod = await tsImport(url, workerData.file);
  } else {
    mod = await import(url);
  }
  let h = mod.handler || (mod.default && (typeof mod.default === 'function' ? mod.default : mod.default.handler));
  if (typeof h !== 'function') throw new Error('the function module exports no handler (export a function named handler, or a default export)');
  if (h.length >= 3) {
    const cb = h;
    h = (event, context) => new Promise((resolve, reject) => {
      const r = cb(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (r && typeof r.then === 'function') r.then(resolve, reject);
    });
  }
  handler = h;
}

function errorText(e) {
  if (e instanceof Error) return (e.name && e.name !== 'Error' ? e.name + ': ' : '') + e.message;
  try { return JSON.stringify(e); } catch { return String(e); }
}

parentPort.on('message', async (m) => {
  if (m.type === 'sdk-result') {
    const c = calls.get(m.callId);
    if (!c) return;
    calls.delete(m.callId);
    if (m.ok) c.resolve(m.value); else c.reject(new Error(m.error));
    return;
  }
  if (m.type !== 'invoke') return;
  try {
    if (!handler) await load();
    const deadline = m.deadline;
    const context = Object.assign({}, m.context, {
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      callbackWaitsForEmptyEventLoop: true,
      sdk,
    });
    const value = await handler(m.event, context);
    let out;
    try { out = value === undefined ? null : JSON.parse(JSON.stringify(value)); } catch { out = String(value); }
    parentPort.postMessage({ type: 'result', id: m.id, ok: true, value: out });
  } catch (e) {
    parentPort.postMessage({ type: 'result', id: m.id, ok: false, error: errorText(e) });
  }
});
`;

/** The Python 3 runner: one process per invocation; protocol lines on fd 3 (to the engine) and stdin (answers). */
export const PYTHON_SOURCE = String.raw`
import sys, os, json, importlib.util, traceback, time
proto = os.fdopen(3, 'w', buffering=1)
def send(msg):
    proto.write(json.dumps(msg) + '\n')
def call(op, args):
    send({'type': 'sdk', 'op': op, 'args': args})
    line = sys.stdin.readline()
    if not line:
        raise RuntimeError('engine closed the connection')
    r = json.loads(line)
    if not r.get('ok'):
        raise RuntimeError(r.get('error'))
    return r.get('value')
class Sdk:
    def publish(self, topic, payload, qos=0):
        if isinstance(payload, (bytes, bytearray)):
            payload = payload.decode('utf-8')
        return call('publish', {'topic': topic, 'payload': payload, 'qos': 1 if qos else 0})
    def get_shadow(self, thing_name, shadow_name=None):
        return call('getShadow', {'thingName': thing_name, 'shadowName': shadow_name})
    def update_shadow(self, thing_name, document, shadow_name=None):
        return call('updateShadow', {'thingName': thing_name, 'document': document, 'shadowName': shadow_name})
    def notify(self, message, subject=None):
        return call('notify', {'message': message if isinstance(message, str) else json.dumps(message), 'subject': subject})
    def get_item(self, table_name, key):
        return call('getItem', {'tableName': table_name, 'key': key})
class Context:
    pass
def main():
    path, mem_mb = sys.argv[1], int(sys.argv[2])
    try:
        import resource
        with open('/proc/self/status') as f:
            vm = next((int(l.split()[1]) for l in f if l.startswith('VmSize:')), 0) * 1024
        limit = vm + mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except Exception:
        pass
    request = json.loads(sys.stdin.readline())
    ctx = Context()
    for k, v in request['context'].items():
        setattr(ctx, k, v)
    deadline = request['deadline']
    ctx.get_remaining_time_in_millis = lambda: max(0, int(deadline - time.time() * 1000))
    ctx.sdk = Sdk()
    try:
        spec = importlib.util.spec_from_file_location('function_module', path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        handler = getattr(mod, 'handler', None) or getattr(mod, 'lambda_handler', None)
        if handler is None:
            raise RuntimeError('the function module defines no handler(event, context)')
        value = handler(request['event'], ctx)
        send({'type': 'result', 'ok': True, 'value': value})
    except MemoryError:
        send({'type': 'result', 'ok': False, 'kind': 'OutOfMemory', 'error': 'MemoryError: the function exceeded its memory limit'})
    except Exception as e:
        traceback.print_exc()
        send({'type': 'result', 'ok': False, 'error': type(e).__name__ + ': ' + str(e)})
main()
`;
