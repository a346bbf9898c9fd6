/**
 * Which service a request is for, on the one endpoint: `X-Amz-Target: Prefix.Operation` → the awsJson service with
 * that target prefix (SQS, CloudWatch Logs); a form-encoded `POST` → the query service named by the SigV4 credential
 * scope (`Credential=AKID/20240101/us-east-1/iam/aws4_request`: IAM, STS, SNS, SQS for older clients); anything else
 * → undefined, and the REST route table (IoT, Lambda) takes it by method and path.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpRequest, HttpResult, Route } from '../http-server.js';
import { decodeJsonInput, encodeJsonError, encodeJsonOutput, JsonSyntax, JsonValidation } from './json.js';
import { decodeQueryInput, encodeQueryError, encodeQueryResponse, QueryValidation } from './query.js';
import { resolveError, validationError, type ResolvedError } from './errors.js';
import { serviceError, type AwsService, type OperationContext } from './service.js';

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const SCOPE = /^([^/\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request$/;
const DEFAULT_BODY = 1024 * 1024;
const QUERY_TYPE = 'application/x-www-form-urlencoded';

/** The credential scope of a signed request (Authorization header or presigned `X-Amz-Credential`), if any. */
export function credentialScope(headers: IncomingHttpHeaders, rawQuery: string): CredentialScope | undefined {
  const auth = headers['authorization'];
  let credential: string | undefined;
  if (typeof auth === 'string') credential = /Credential=([^,\s]+)/.exec(auth)?.[1];
  else if (rawQuery.includes('X-Amz-Credential=')) {
    const raw = new URLSearchParams(rawQuery).get('X-Amz-Credential');
    credential = raw ?? undefined;
  }
  const m = credential ? SCOPE.exec(credential) : null;
  return m ? { accessKeyId: m[1], region: m[2], service: m[3] } : undefined;
}

const speaks = (s: AwsService, protocol: 'json' | 'query') =>
  (s.protocols ?? [s.model.protocol === 'query' ? 'query' : 'json']).includes(protocol);

/** A modeled operation without a handler, or none at all: each protocol's unknown-operation answer. */
function unknownOperation(service: AwsService | undefined, protocol: 'json' | 'query', operation: string) {
  const title = service?.title ?? service?.model.signingName.toUpperCase() ?? 'AWS';
  const modeled = !!service?.model.operations[operation];
  if (protocol === 'query') {
    const message = modeled ? `${operation} is an ${title} operation that Thingbench does not support yet`
      : `Could not find operation ${operation} for version ${service?.model.version ?? 'unknown'}`;
    return serviceError('InvalidAction', message, { status: 400, queryCode: 'InvalidAction' });
  }
  const message = modeled ? `${operation} is an ${title} operation that Thingbench does not support yet` : `Operation ${operation} is not supported`;
  return serviceError('UnknownOperationException', message, { status: 400, queryCode: 'InvalidAction' });
}

/** The service routes for one endpoint. Register each service once; `route()` is asked for every request. */
export class ServiceRouter {
  private readonly services: AwsService[] = [];

  register(...services: AwsService[]): this {
    for (const s of services) {
      // DynamoDB and DynamoDB Streams share the signing name `dynamodb`: their target prefixes tell them apart
      const clash = this.services.find((o) => o.model.signingName === s.model.signingName && o.model.targetPrefix === s.model.targetPrefix);
      if (clash) throw new Error(`service ${s.model.signingName} is registered twice`);
      this.services.push(s);
    }
    return this;
  }

  /** The registered service for a signing name, e.g. `sqs`. */
  service(signingName: string): AwsService | undefined {
    return this.services.find((s) => s.model.signingName === signingName);
  }

  /** A route for this request when it is for a JSON or query service, else undefined (REST route table). */
  route(method: string, rawPath: string, rawQuery: string, headers: IncomingHttpHeaders): Route | undefined {
    if (method !== 'POST') return undefined;
    const scope = credentialScope(headers, rawQuery);
    const target = headers['x-amz-target'];
    // awsJson clients always post to `/`; elsewhere the header is no service's, and the REST routes answer as AWS's do.
    if (typeof target === 'string' && target && rawPath === '/') {
      const dot = target.lastIndexOf('.');
      const prefix = dot < 0 ? '' : target.slice(0, dot);
      const operation = dot < 0 ? target : target.slice(dot + 1);
      const byPrefix = this.services.find((s) => speaks(s, 'json') && s.model.targetPrefix === prefix);
      const byScope = scope ? this.services.find((s) => speaks(s, 'json') && s.model.signingName === scope.service) : undefined;
      return this.jsonRoute(byPrefix ?? byScope, byPrefix ? operation : target, scope);
    }
    const type = String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== QUERY_TYPE) return undefined;
    const service = scope ? this.services.find((s) => speaks(s, 'query') && s.model.signingName === scope.service) : undefined;
    if (service) return this.queryRoute(service, scope);
    // Unsigned: AWS answers every query API so (and a web page's form post never reaches a handler).
    if (!scope && (rawPath === '/' || /^\/\d{12}\/[^/]+$/.test(rawPath))) return this.queryRoute(undefined, undefined);
    return undefined;
  }

  private context(service: AwsService, operation: string, protocol: 'json' | 'query', req: HttpRequest, scope?: CredentialScope): OperationContext {
    return {
      operation, protocol, requestId: req.requestId, headers: req.headers, path: req.rawPath ?? '/',
      endpoint: `http://${req.headers.host ?? '127.0.0.1'}`,
      accessKeyId: scope?.accessKeyId, region: scope?.region ?? 'us-east-1', signal: req.signal,
    };
  }

  private jsonRoute(service: AwsService | undefined, operation: string, scope?: CredentialScope): Route {
    const version = service?.model.protocol === 'json1.0' ? '1.0' : '1.1';
    const contentType = `application/x-amz-json-${version}`;
    return {
      method: 'POST', path: '/', operation, maxBodyBytes: service?.maxBodyBytes ?? DEFAULT_BODY,
      handler: async (req: HttpRequest): Promise<HttpResult> => {
        const op = service?.model.operations[operation];
        const handler = service?.operations[operation];
        if (!service || !op || !handler) throw unknownOperation(service, 'json', operation);
        const input = decodeJsonInput(service.model, op.input, req.body);
        const output = await handler(input, this.context(service, operation, 'json', req, scope));
        return { body: Buffer.from(JSON.stringify(encodeJsonOutput(service.model, op.output, output))), headers: { 'content-type': contentType } };
      },
      renderError: (err, requestId) => {
        let e: ResolvedError;
        if (err instanceof JsonValidation) e = validationError(service, 'json', err.problem);
        else if (err instanceof JsonSyntax) e = { type: 'SerializationException', code: 'SerializationException', status: 400, fault: 'client', message: err.message };
        else e = resolveError(service, 'json', err);
        const { body, headers } = service ? encodeJsonError(service.model, e) : { body: JSON.stringify({ __type: e.type, message: e.message }), headers: {} };
        // Smithy's awsJson lets a server name the error in the header or in `__type`; this one does both, as the IoT edge does.
        return { status: e.status, headers: { ...headers, 'content-type': contentType, 'x-amzn-ErrorType': e.type, 'x-amzn-RequestId': requestId }, body: Buffer.from(body), unexpected: e.unexpected };
      },
    };
  }

  private queryRoute(service: AwsService | undefined, scope?: CredentialScope): Route {
    const name = service?.model.signingName ?? 'query';
    return {
      method: 'POST', path: '/', operation: `${name} (query)`, rawBody: true, maxBodyBytes: service?.maxBodyBytes ?? DEFAULT_BODY,
      handler: async (req: HttpRequest): Promise<HttpResult> => {
        if (!service) throw serviceError('MissingAuthenticationToken', 'Request is missing Authentication Token', { status: 403 });
        const params = new URLSearchParams(req.body.toString('utf8'));
        const action = params.get('Action');
        if (!action) throw serviceError('MissingAction', 'Missing Action', { status: 400 });
        const op = service.model.operations[action];
        const handler = service.operations[action];
        if (!op || !handler) throw unknownOperation(service, 'query', action);
        const input = decodeQueryInput(service.model, op.input, params);
        const output = await handler(input, this.context(service, action, 'query', req, scope));
        const xml = encodeQueryResponse(service.model, action, output, req.requestId);
        return { body: Buffer.from(xml), headers: { 'content-type': 'text/xml' } };
      },
      renderError: (err, requestId) => {
        const e = err instanceof QueryValidation ? validationError(service, 'query', err.problem) : resolveError(service, 'query', err);
        const body = Buffer.from(encodeQueryError(e, requestId, service?.model.xmlNamespace));
        return { status: e.status, headers: { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId }, body, unexpected: e.unexpected };
      },
    };
  }
}
