/**
 * Lambda function management [Lambda API Reference]: CreateFunction (from a `ZipFile`), GetFunction (its
 * `Code.Location` downloads the package from this engine, `GET /lambda-code/<name>`), GetFunctionConfiguration,
 * ListFunctions (Marker/MaxItems), UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction.
 *
 * LIMITATIONS: code only as `ZipFile` (no S3 locations, no container images); `Publish`, versions, aliases,
 * layers, VPC, dead-letter and file-system settings are not kept.
 */
import { EngineError } from '../../../core/index.js';
import type { FunctionSettings } from '../../../functions/index.js';
import type { HttpRequest, Route } from '../http-server.js';
import { checkedTags } from './lambda-tags.js';
import { baseUrl, environment, functionConfiguration, functionName, int, jsonBody, lambdaRoute, str, type LambdaOperations } from './lambda-shapes.js';

/** Lambda: 50 MB zipped for a direct upload, which travels base64 in JSON. */
const MAX_CODE_BODY = 70 * 1024 * 1024;

function zipFile(body: Record<string, unknown>): Buffer {
  const code = (body.Code ?? body) as Record<string, unknown>;
  if (code.ImageUri !== undefined || body.PackageType === 'Image') throw new EngineError('InvalidInput', 'Container images are not supported by the local Lambda: upload a .zip deployment package as ZipFile.');
  if (code.S3Bucket !== undefined || code.S3Key !== undefined) throw new EngineError('InvalidInput', 'S3 code locations are not supported by the local Lambda: upload the .zip deployment package as ZipFile (aws lambda … --zip-file fileb://function.zip).');
  const z = code.ZipFile;
  if (typeof z !== 'string' || !z.length) throw new EngineError('InvalidInput', 'Please provide a source for function code.');
  return Buffer.from(z, 'base64');
}

function settings(body: Record<string, unknown>): FunctionSettings {
  return {
    runtime: str(body, 'Runtime', 'runtime'), handler: str(body, 'Handler', 'handler'), role: str(body, 'Role', 'role'),
    description: str(body, 'Description', 'description'), timeout: int(body, 'Timeout', 'timeout'), memorySize: int(body, 'MemorySize', 'memorySize'),
    environment: environment(body),
  };
}

export function lambdaFunctionRoutes(ops: LambdaOperations): Route[] {
  const list = (req: HttpRequest) => {
    const max = req.query.get('MaxItems');
    const maxItems = max === null ? 50 : Number(max);
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10000) {
      throw new EngineError('InvalidInput', `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`, { reason: 'validation' });
    }
    const all = ops.list();
    const marker = req.query.get('Marker');
    let from = 0;
    if (marker) {
      const after = Buffer.from(marker, 'base64url').toString('utf8');
      from = all.findIndex((f) => f.name > after);
      if (from < 0) from = all.length;
    }
    const page = all.slice(from, from + maxItems);
    const more = from + maxItems < all.length;
    return { json: { Functions: page.map(functionConfiguration), ...(more ? { NextMarker: Buffer.from(page[page.length - 1].name).toString('base64url') } : {}) } };
  };
  return [
    {
      method: 'POST', path: '/2015-03-31/functions', operation: 'CreateFunction', maxBodyBytes: MAX_CODE_BODY, ...lambdaRoute,
      handler: async (req) => {
        const body = jsonBody(req);
        const name = str(body, 'FunctionName', 'functionName', true);
        try {
          ops.resolveName(name);
        } catch {
          throw new EngineError('InvalidInput', `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`, { reason: 'validation' });
        }
        const s = settings(body);
        const role = str(body, 'Role', 'role', true);
        if (body.Code === undefined || body.Code === null) throw new EngineError('InvalidInput', "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null", { reason: 'validation' });
        const zip = zipFile(body);
        if (!s.runtime || !s.handler) throw new EngineError('InvalidInput', 'Runtime and Handler are mandatory parameters for functions created with deployment packages.');
        const tags = checkedTags(body.Tags);
        const created = await ops.create(ops.resolveName(name), { ...s, runtime: s.runtime, handler: s.handler, role }, zip);
        if (Object.keys(tags).length) await ops.tag(created.name, tags);
        return { status: 201, json: functionConfiguration(created) };
      },
    },
    { method: 'GET', path: '/2015-03-31/functions', operation: 'ListFunctions', ...lambdaRoute, handler: list },
    // botocore (the AWS CLI) sends ListFunctions with a trailing slash.
    { method: 'GET', path: '/2015-03-31/functions/', operation: 'ListFunctions', ...lambdaRoute, handler: list },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}', operation: 'GetFunction', ...lambdaRoute,
      handler: (req) => {
        const name = functionName(ops, req);
        const config = ops.get(name);
        const tags = ops.tags(name);
        return { json: { Configuration: functionConfiguration(config), Code: { RepositoryType: 'S3', Location: `${baseUrl(req)}/lambda-code/${encodeURIComponent(name)}` }, ...(Object.keys(tags).length ? { Tags: tags } : {}) } };
      },
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/configuration', operation: 'GetFunctionConfiguration', ...lambdaRoute,
      handler: (req) => ({ json: functionConfiguration(ops.get(functionName(ops, req))) }),
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/code', operation: 'UpdateFunctionCode', maxBodyBytes: MAX_CODE_BODY, ...lambdaRoute,
      handler: async (req) => {
        const name = functionName(ops, req);
        const body = jsonBody(req);
        if (!ops.exists(name)) ops.get(name);
        const updated = await ops.updateCode(name, zipFile(body), str(body, 'RevisionId', 'revisionId'));
        return { json: functionConfiguration(updated) };
      },
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/configuration', operation: 'UpdateFunctionConfiguration', ...lambdaRoute,
      handler: async (req) => {
        const name = functionName(ops, req);
        const body = jsonBody(req);
        const updated = await ops.updateConfiguration(name, settings(body), str(body, 'RevisionId', 'revisionId'));
        return { json: functionConfiguration(updated) };
      },
    },
    {
      method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}', operation: 'DeleteFunction', ...lambdaRoute,
      handler: async (req) => {
        await ops.delete(functionName(ops, req));
        return { status: 204 };
      },
    },
    {
      // GetFunction's Code.Location: the deployment package, as S3's presigned URL would serve it.
      method: 'GET', path: '/lambda-code/{FunctionName}', operation: 'GetFunctionCode', ...lambdaRoute,
      handler: (req) => ({ body: ops.code(functionName(ops, req)), headers: { 'content-type': 'application/zip' } }),
    },
  ];
}
