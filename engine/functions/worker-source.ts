/**
 * The code a function's worker thread runs (CommonJS, evaluated with `eval: true` so it needs no loader): loads the
 * function module once, then serves `invoke` messages one at a time. The local SDK (`context.sdk` and the global
 * `thingbench`) turns publish / shadow / notify / table calls into messages answered by the main thread.
 * As in Lambda's Node.js 18+ runtimes, `@aws-sdk/*` (and the `@smithy/*` packages they use) resolve from the
 * runtime's own copy, the engine's, when the function's package does not bring them (`workerData.sdkRoot`), for
 * `require` and `import` alike.
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const util = require('node:util');
const v8 = require('node:v8');
const Module = require('node:module');
if (workerData.sdkRoot) {
  const SDK = /^@(aws-sdk|smithy)\//;
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    try {
      return resolveFilename.call(this, request, parent, isMain, options);
    } catch (e) {
      if (e && e.code === 'MODULE_NOT_FOUND' && SDK.test(request)) return resolveFilename.call(this, request, parent, isMain, { paths: [workerData.sdkRoot] });
      throw e;
    }
  };
}
// ES modules: a resolve hook, registered only for code that names the SDK (the main thread looked: a hook costs every
// cold start).
if (workerData.sdkRoot && workerData.sdkHooks && typeof Module.register === 'function') {
  const hooks = 'let root;'
    + 'export async function initialize(data) { root = data.root; }'
    + 'export async function resolve(specifier, context, next) {'
    + '  try { return await next(specifier, context); } catch (e) {'
    + '    if (/^@(aws-sdk|smithy)\\//.test(specifier)) return next(specifier, { ...context, parentURL: root });'
    + '    throw e;'
    + '  }'
    + '}';
  Module.register('data:text/javascript,' + encodeURIComponent(hooks), { data: { root: pathToFileURL(workerData.sdkRoot + '/').href } });
}
let handler = null;
let nextCall = 1;
let current = null;
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
  sendCommand: (req) => call('sendCommand', req || {}),
};
globalThis.thingbench = sdk;

// Lambda's Node.js log format: "<ISO time>\t<request id>\t<LEVEL>\t<message>", one log event per call.
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    const text = new Date().toISOString() + '\t' + (current ? current.requestId : 'undefined') + '\t' + level + '\t' + util.format(...args);
    parentPort.postMessage({ type: 'log', id: current ? current.id : 0, text });
  };
}

function errorBody(e) {
  if (e instanceof Error) return { errorType: e.name || 'Error', errorMessage: e.message, trace: String(e.stack || '').split('\n') };
  if (typeof e === 'string') return { errorType: 'string', errorMessage: e, trace: [] };
  let text;
  try { text = JSON.stringify(e); } catch { text = String(e); }
  return { errorType: typeof e, errorMessage: text, trace: [] };
}

class LoadError extends Error {
  constructor(body) { super(body.errorMessage); this.body = body; }
}

async function load() {
  const url = pathToFileURL(workerData.file).href + '?v=' + workerData.version;
  const importModule = async (u) => {
    if (!workerData.file.endsWith('.ts')) return import(u);
    const { tsImport } = await import(workerData.tsxApi);
    return tsImport(u, workerData.file);
  };
  let mod;
  try {
    mod = await importModule(url);
  } catch (e) {
    if (e && (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && String(e.message).split('\n')[0].includes("'" + workerData.file + "'")) {
      throw new LoadError({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module '" + workerData.moduleLabel + "'", trace: [] });
    }
    if (e && (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND')) {
      throw new LoadError({ errorType: 'Runtime.ImportModuleError', errorMessage: 'Error: ' + e.message, trace: String(e.stack || '').split('\n') });
    }
    if (e instanceof SyntaxError) throw new LoadError({ errorType: 'Runtime.UserCodeSyntaxError', errorMessage: 'SyntaxError: ' + e.message, trace: String(e.stack || '').split('\n') });
    throw e;
  }
  const exp = workerData.exportName;
  let h = exp ? (mod[exp] !== undefined ? mod[exp] : mod.default && mod.default[exp])
    : (mod.handler || (mod.default && (typeof mod.default === 'function' ? mod.default : mod.default.handler)));
  if (typeof h !== 'function') {
    throw new LoadError({ errorType: 'Runtime.HandlerNotFound', errorMessage: workerData.handlerLabel + ' is undefined or not exported', trace: [] });
  }
  if (h.length >= 3) {
    const cb = h;
    h = (event, context) => new Promise((resolve, reject) => {
      const r = cb(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (r && typeof r.then === 'function') r.then(resolve, reject);
    });
  }
  handler = h;
}

const usedMb = () => Math.ceil(v8.getHeapStatistics().used_heap_size / (1024 * 1024));

parentPort.on('message', async (m) => {
  if (m.type === 'sdk-result') {
    const c = calls.get(m.callId);
    if (!c) return;
    calls.delete(m.callId);
    if (m.ok) c.resolve(m.value); else c.reject(new Error(m.error));
    return;
  }
  if (m.type !== 'invoke') return;
  current = { id: m.id, requestId: m.context.awsRequestId };
  let initMs;
  try {
    if (!handler) {
      const t0 = performance.now();
      await load();
      initMs = performance.now() - t0;
    }
    const deadline = m.deadline;
    const context = Object.assign({}, m.context, {
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      callbackWaitsForEmptyEventLoop: true,
      sdk,
    });
    const value = await handler(m.event, context);
    let out;
    try { out = value === undefined ? null : JSON.parse(JSON.stringify(value)); } catch { out = String(value); }
    parentPort.postMessage({ type: 'result', id: m.id, ok: true, value: out, maxMemoryMb: usedMb(), initMs });
  } catch (e) {
    parentPort.postMessage({ type: 'result', id: m.id, ok: false, error: e instanceof LoadError ? e.body : errorBody(e), maxMemoryMb: usedMb() });
  }
});
`;

/**
 * The Python 3 runner: one process per invocation; protocol lines on fd 3 (to the engine) and stdin (answers).
 * argv: file, module name, handler attribute ('' = `handler` or `lambda_handler`), memory MB, task root.
 */
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
    def send_command(self, thing_name, name, payload=None, timeout_ms=None, content_type=None, one_way=False):
        if isinstance(payload, (bytes, bytearray)):
            payload = payload.decode('utf-8')
        return call('sendCommand', {'thingName': thing_name, 'name': name, 'payload': payload, 'timeoutMs': timeout_ms, 'contentType': content_type, 'oneWay': bool(one_way)})
class Context:
    pass
def used_mb():
    try:
        import resource
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024) + 1
    except Exception:
        return None
def failure(error_type, message, request_id, stack=None):
    send({'type': 'result', 'ok': False, 'maxMemoryMb': used_mb(), 'error': {'errorMessage': message, 'errorType': error_type, 'requestId': request_id, 'stackTrace': stack or []}})
def main():
    path, module_name, attr, mem_mb, root = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    sys.path.insert(0, root)
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
    rid = request['context'].get('aws_request_id', '')
    deadline = request['deadline']
    ctx.get_remaining_time_in_millis = lambda: max(0, int(deadline - time.time() * 1000))
    ctx.sdk = Sdk()
    if not os.path.isfile(path):
        return failure('Runtime.ImportModuleError', "Unable to import module '%s': No module named '%s'" % (module_name, module_name), '')
    init_start = time.perf_counter()
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = mod
        spec.loader.exec_module(mod)
    except SyntaxError as e:
        return failure('Runtime.UserCodeSyntaxError', "Syntax error in module '%s': %s" % (module_name, e), '')
    except Exception as e:
        return failure('Runtime.ImportModuleError', "Unable to import module '%s': %s" % (module_name, e), '')
    init_ms = (time.perf_counter() - init_start) * 1000
    if attr:
        handler = getattr(mod, attr, None)
        if handler is None:
            return failure('Runtime.HandlerNotFound', "Handler '%s' missing on module '%s'" % (attr, module_name), '')
    else:
        handler = getattr(mod, 'handler', None) or getattr(mod, 'lambda_handler', None)
        if handler is None:
            return failure('Runtime.HandlerNotFound', "Handler 'handler' missing on module '%s'" % module_name, '')
    try:
        value = handler(request['event'], ctx)
        sys.stdout.flush()
        try:
            json.dumps(value)
        except (TypeError, ValueError) as e:
            return failure('Runtime.MarshalError', 'Unable to marshal response: %s' % e, rid)
        send({'type': 'result', 'ok': True, 'value': value, 'maxMemoryMb': used_mb(), 'initMs': init_ms})
    except MemoryError:
        send({'type': 'result', 'ok': False, 'kind': 'OutOfMemory', 'maxMemoryMb': used_mb(), 'error': {'errorMessage': 'MemoryError: the function exceeded its memory limit', 'errorType': 'Runtime.OutOfMemory', 'requestId': rid, 'stackTrace': []}})
    except Exception as e:
        tb = traceback.extract_tb(e.__traceback__)[1:]
        failure(type(e).__name__, str(e), rid, traceback.format_list(tb))
main()
`;
