/**
 * Function URL configurations [Lambda API Reference]: CreateFunctionUrlConfig, GetFunctionUrlConfig,
 * UpdateFunctionUrlConfig, DeleteFunctionUrlConfig, ListFunctionUrlConfigs. The URL is this engine's
 * `http://<host:port>/lambda-url/<url-id>/` (function-url-endpoint.ts says why a path and not a host name).
 */
import { EngineError } from '../../../core/index.js';
import type { FunctionUrlConfig, UrlAuthType } from '../../../functions/index.js';
import { functionArn } from '../../../functions/index.js';
import type { HttpRequest, Route } from '../http-server.js';
import { baseUrl, functionName, jsonBody, lambdaRoute, str, type LambdaOperations } from './lambda-shapes.js';

const authType = (body: Record<string, unknown>, required: boolean): UrlAuthType | undefined => {
  const v = required ? str(body, 'AuthType', 'authType', true) : str(body, 'AuthType', 'authType');
  if (v === undefined) return undefined;
  if (v !== 'NONE' && v !== 'AWS_IAM') {
    throw new EngineError('InvalidInput', `1 validation error detected: Value '${v}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]`, { reason: 'validation' });
  }
  return v;
};

const invokeMode = (body: Record<string, unknown>): FunctionUrlConfig['invokeMode'] | undefined => {
  const v = str(body, 'InvokeMode', 'invokeMode');
  if (v === undefined) return undefined;
  if (v !== 'BUFFERED' && v !== 'RESPONSE_STREAM') {
    throw new EngineError('InvalidInput', `1 validation error detected: Value '${v}' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]`, { reason: 'validation' });
  }
  return v;
};

const cors = (body: Record<string, unknown>): Record<string, unknown> | null | undefined => {
  const c = body.Cors;
  if (c === undefined) return undefined;
  if (c === null) return null;
  if (typeof c !== 'object' || Array.isArray(c)) throw new EngineError('InvalidInput', "1 validation error detected: Value at 'cors' failed to satisfy constraint: Member must be a structure", { reason: 'validation' });
  return c as Record<string, unknown>;
};

/** The function URL of a configuration, as the caller reaches this engine. */
export const functionUrl = (req: HttpRequest, url: FunctionUrlConfig) => `${baseUrl(req)}/lambda-url/${url.urlId}/`;

function shape(req: HttpRequest, name: string, url: FunctionUrlConfig, withModified: boolean): Record<string, unknown> {
  return {
    FunctionUrl: functionUrl(req, url), FunctionArn: functionArn(name), AuthType: url.authType, ...(url.cors ? { Cors: url.cors } : {}),
    CreationTime: new Date(url.created).toISOString(), ...(withModified ? { LastModifiedTime: new Date(url.lastModified).toISOString() } : {}), InvokeMode: url.invokeMode,
  };
}

export function lambdaUrlConfigRoutes(ops: LambdaOperations): Route[] {
  const target = (req: HttpRequest) => {
    const name = functionName(ops, req);
    ops.get(name);
    return name;
  };
  return [
    {
      method: 'POST', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'CreateFunctionUrlConfig', ...lambdaRoute,
      handler: async (req) => {
        const name = target(req);
        const body = jsonBody(req);
        const url = await ops.attachments.createUrl(name, authType(body, true)!, cors(body) ?? null, invokeMode(body));
        return { status: 201, json: shape(req, name, url, false) };
      },
    },
    {
      method: 'GET', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'GetFunctionUrlConfig', ...lambdaRoute,
      handler: (req) => {
        const name = target(req);
        return { json: shape(req, name, ops.attachments.url(name), true) };
      },
    },
    {
      method: 'PUT', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'UpdateFunctionUrlConfig', ...lambdaRoute,
      handler: async (req) => {
        const name = target(req);
        const body = jsonBody(req);
        const url = await ops.attachments.updateUrl(name, { authType: authType(body, false), cors: cors(body), invokeMode: invokeMode(body) });
        return { json: shape(req, name, url, true) };
      },
    },
    {
      method: 'DELETE', path: '/2021-10-31/functions/{FunctionName}/url', operation: 'DeleteFunctionUrlConfig', ...lambdaRoute,
      handler: async (req) => {
        await ops.attachments.deleteUrl(target(req));
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: '/2021-10-31/functions/{FunctionName}/urls', operation: 'ListFunctionUrlConfigs', ...lambdaRoute,
      handler: (req) => {
        const name = target(req);
        let configs: Array<Record<string, unknown>> = [];
        try {
          const url = ops.attachments.url(name);
          configs = [{ ...shape(req, name, url, true) }];
        } catch { /* none */ }
        return { json: { FunctionUrlConfigs: configs.map((c) => ({ ...c, LastModifiedTime: c.LastModifiedTime })) } };
      },
    },
  ];
}
