import type { Logger, Service, WebGuard } from '../core/index.js';
import { iotRulesRoutes, type RuleOperations } from './http/iot-rules.js';
import type { SecurityService } from '../security/index.js';
import { AwsError } from './http/aws-errors.js';
import type { AwsService } from './http/protocols/index.js';
import { lambdaRoutes, type LambdaOperations } from './http/lambda/index.js';
import { s3Service, type S3Objects } from './http/s3/index.js';
import {
  createHttpApi, iotControlRegistryRoutes, iotControlSecurityRoutes, iotDataRoutes, iotDataShadowRoutes, type HttpRequest, type Route,
  type DataPlaneBroker, type HttpApiServer, type IotDataLimits, type RegistryOperations, type SecurityOperations, type ShadowOperations, type TaggableResources,
} from './http/index.js';

/** SigV4 off loopback: whether every request must be signed, and the check of one request (`SecurityService`). */
export type RequestVerifier = Pick<SecurityService, 'requiresSignature' | 'verifyRequest'> & Partial<Pick<SecurityService, 'verifyPresigned'>>;

/** The engine's HTTP endpoint as a service: the AWS IoT data plane, shadows, control plane, and the AWS services registered in `services`. */
export class HttpApiService implements Service {
  readonly name = 'http';
  private readonly server: HttpApiServer;
  port = 0;

  constructor(private readonly opts: {
    broker: DataPlaneBroker; shadow: ShadowOperations; limits: IotDataLimits; host: string; port: number; logger: Logger;
    /** AWS IoT topic rule operations (CreateTopicRule, ListTopicRules, …). */
    rules?: RuleOperations;
    /** AWS IoT control-plane registry operations (CreateThing, SearchIndex, …). */
    registry?: RegistryOperations;
    /** Device-management resources TagResource and ListTagsForResource reach besides thing groups and types. */
    taggable?: TaggableResources;
    /** Certificates and policies (CreateKeysAndCertificate, CreatePolicy, AttachPolicy, …), and SigV4 off loopback. */
    security?: SecurityOperations & RequestVerifier;
    /** Host and Origin admission for every request (core/local-guard.ts). */
    guard?: WebGuard;
    /** AWS JSON and query services on the same endpoint (STS, IAM, SQS, SNS, Logs): see http/protocols/index.ts. */
    services?: AwsService[];
    /** More REST routes of those services (SNS's SubscribeURL and UnsubscribeURL links). */
    routes?: Route[];
    /** The local S3 (REST-XML, path-style and virtual-host-style): see http/s3/s3-addressing.ts. */
    objects?: S3Objects;
    /** Told of each S3 request answered, by operation (metering). */
    onS3Request?: (operation: string) => void;
    /** Local Lambda: the Lambda API (REST-JSON) and function URLs (`/lambda-url/<id>/…`). */
    lambda?: LambdaOperations;
    /** Wraps the REST routes once (the engine counts billed registry operations this way). */
    wrapRoutes?: (routes: Route[]) => Route[];
  }) {
    const security = opts.security;
    const authorize = security?.requiresSignature ? (req: HttpRequest) => {
      const r = security.verifyRequest({ method: req.method, path: req.rawPath ?? '/', query: req.rawQuery ?? '', headers: req.headers, body: req.body, bodySha256: req.bodySha256 });
      if (!r.ok) {
        opts.logger.log('warn', 'security', `refused unsigned or badly signed ${req.operation}: ${r.type}`, { requestId: req.requestId });
        throw new AwsError(403, r.type, r.message);
      }
    } : security?.verifyPresigned ? (req: HttpRequest) => {
      // On loopback a request needs no signature, but a presigned URL (a job's download link) still expires.
      if (!/(^|&)X-Amz-Algorithm=/.test(req.rawQuery ?? '')) return;
      const r = security.verifyPresigned!({ method: req.method, path: req.rawPath ?? '/', query: req.rawQuery ?? '', headers: req.headers, body: req.body, bodySha256: req.bodySha256 });
      if (!r.ok) throw new AwsError(403, r.type, r.message);
    } : undefined;
    const lambda = opts.lambda ? lambdaRoutes(opts.lambda, { logger: opts.logger, verify: authorize }) : [];
    const routes = [...iotDataRoutes(opts.broker, opts.limits), ...iotDataShadowRoutes(opts.shadow), ...(opts.rules ? iotRulesRoutes(opts.rules) : []),
      ...(opts.registry ? iotControlRegistryRoutes(opts.registry, { host: opts.host, taggable: opts.taggable }) : []), ...(security ? iotControlSecurityRoutes(security) : []), ...(opts.routes ?? []), ...lambda];
    this.server = createHttpApi(opts.wrapRoutes ? opts.wrapRoutes(routes) : routes, {
      logger: opts.logger,
      guard: opts.guard,
      // Bound to a non-loopback address: every call must carry a valid SigV4 signature from a configured access key.
      authorize,
    });
    this.server.services.register(...(opts.services ?? []));
    if (opts.objects) this.server.rawServices.push(s3Service(opts.objects, { logger: opts.logger, onRequest: opts.onS3Request }));
  }

  async start(): Promise<void> {
    this.port = await this.server.listen(this.opts.host, this.opts.port);
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}
