/**
 * Pipeline pieces AWS provisions through other services (SNS topics, SQS queues, Kinesis streams, DynamoDB tables,
 * CloudWatch log groups, Lambda functions). Thingbench has no AWS API for them yet, so they are made through the
 * engine contract of a local target: sinks with `sinks.create`, functions as files in `<dataDir>/functions`.
 *
 * LIMITATIONS: other targets cannot have them made (refused before the run, `localResourceRefusal`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../core/index.js';
import type { ThingbenchApi } from '../../contract/index.js';
import type { Target } from '../targets/target.js';
import { alreadyExists, type ProvisionEnv } from './provision-env.js';
import { functionExtensions, type FunctionExtension, type FunctionSpec, type ProvisionSpec, type SinkSpec } from './provision-spec.js';

/** Why the target cannot have the spec's sinks and functions made, in one sentence; null when it can. */
export function localResourceRefusal(spec: ProvisionSpec, target: Pick<Target, 'name' | 'kind' | 'api'>): string | null {
  const wanted = [
    ...(spec.sinks?.length ? [`sinks (${[...new Set(spec.sinks.map((s) => s.kind))].join(', ')})`] : []),
    ...(spec.functions?.length ? ['functions'] : []),
  ];
  if (!wanted.length || target.api) return null;
  return `provision: the target '${target.name}' (${target.kind}) cannot have ${wanted.join(' and ')} made: Thingbench creates them only on a local target until it has AWS's APIs for them (SNS, SQS, Kinesis, DynamoDB, CloudWatch Logs, Lambda)`;
}

function api(env: ProvisionEnv): ThingbenchApi {
  const a = env.target.api;
  if (!a) throw new EngineError('InvalidInput', localResourceRefusal({ functions: [{ name: '' }] }, env.target) ?? 'no local engine');
  return a;
}

export async function provisionSink(env: ProvisionEnv, spec: SinkSpec): Promise<void> {
  const sinks = api(env).sinks;
  const { kind, name } = spec;
  if ((await sinks.list(kind)).some((s) => s.name === name)) {
    if ((spec.ifExists ?? env.ifExists) === 'fail') throw alreadyExists(env, `the ${kind} sink`, name);
    env.log(`${kind} ${name}: reused`);
    return;
  }
  await sinks.create(kind, name, spec.options ?? {});
  env.log(`${kind} ${name}: created`);
  env.cleanup.push(`delete ${kind} ${name}`, async () => {
    if ((await sinks.list(kind)).some((s) => s.name === name)) await sinks.delete(kind, name);
  });
}

function extensionOf(spec: FunctionSpec): FunctionExtension {
  if (spec.file) {
    const ext = path.extname(spec.file).slice(1) as FunctionExtension;
    if (!functionExtensions.includes(ext)) throw new EngineError('InvalidInput', `function ${spec.name}: ${spec.file} is not a .js, .mjs, .ts or .py file`);
    return ext;
  }
  return spec.runtime ?? 'js';
}

/** Writes the function (and its `<name>.config.json`) into the local engine's functions folder. */
export async function provisionFunction(env: ProvisionEnv, spec: FunctionSpec): Promise<void> {
  if ((spec.file === undefined) === (spec.code === undefined)) {
    throw new EngineError('InvalidInput', `function ${spec.name}: give either file (a path beside the scenario) or code (inline source)`);
  }
  const dir = path.join((await api(env).engine.info()).dataDir, 'functions');
  const existing = functionExtensions.map((e) => path.join(dir, `${spec.name}.${e}`)).find((f) => fs.existsSync(f));
  const ifExists = spec.ifExists ?? env.ifExists;
  if (existing) {
    if (ifExists === 'fail') throw alreadyExists(env, 'the function', spec.name);
    if (ifExists === 'reuse') {
      env.log(`function ${spec.name}: reused`);
      return;
    }
  }
  let code: string;
  if (spec.file !== undefined) {
    const file = env.resolveFile(spec.file);
    try {
      code = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new EngineError('InvalidInput', `function ${spec.name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  } else {
    code = spec.code!;
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.name}.${extensionOf(spec)}`);
  const config = path.join(dir, `${spec.name}.config.json`);
  const settings = {
    ...(spec.timeout !== undefined ? { timeout: spec.timeout } : {}),
    ...(spec.memorySize !== undefined ? { memorySize: spec.memorySize } : {}),
    ...(spec.environment ? { environment: { variables: spec.environment } } : {}),
  };
  const hasConfig = Object.keys(settings).length > 0;
  if (existing) {
    // update: this code and configuration replace the function's (its file may change extension: .js to .py).
    fs.rmSync(existing, { force: true });
    if (hasConfig) fs.writeFileSync(config, JSON.stringify(settings, null, 2) + '\n');
    else fs.rmSync(config, { force: true });
    fs.writeFileSync(file, code);
    env.log(`function ${spec.name}: updated (code${hasConfig ? ' and configuration' : ''} replaced)`);
    return;
  }
  if (hasConfig) fs.writeFileSync(config, JSON.stringify(settings, null, 2) + '\n');
  // Its invocations write to /aws/lambda/<name>, which outlives a function as on AWS; the run made it, so it goes too.
  const logGroup = `/aws/lambda/${spec.name}`;
  const sinks = api(env).sinks;
  const hadLogGroup = (await sinks.list('log')).some((s) => s.name === logGroup);
  fs.writeFileSync(file, code);
  env.log(`function ${spec.name}: created`);
  env.cleanup.push(`delete function ${spec.name}`, async () => {
    fs.rmSync(file, { force: true });
    if (hasConfig) fs.rmSync(config, { force: true });
    if (!hadLogGroup && (await sinks.list('log')).some((s) => s.name === logGroup)) await sinks.delete('log', logGroup);
  });
}
