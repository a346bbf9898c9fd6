import type { Logger } from '../../../core/index.js';
import type { HttpRequest, Route } from '../http-server.js';
import { functionUrlRoutes } from './function-url-endpoint.js';
import { lambdaFunctionRoutes } from './lambda-functions.js';
import { lambdaTagRoutes } from './lambda-tags.js';
import { lambdaInvokeRoutes } from './lambda-invoke.js';
import { lambdaPermissionRoutes } from './lambda-permissions.js';
import { lambdaUrlConfigRoutes } from './lambda-url-configs.js';
import { lambdaEventSourceMappingRoutes } from './lambda-event-source-mappings.js';
import { lambdaUnsupportedRoutes } from './lambda-unsupported.js';
import type { LambdaOperations } from './lambda-shapes.js';

export type { LambdaOperations } from './lambda-shapes.js';
export { lambdaErrors } from './lambda-errors.js';

/** The Lambda API (REST-JSON, `/2015-03-31/…`, `/2021-10-31/…`) and the function URLs (`/lambda-url/<id>/…`). */
export function lambdaRoutes(ops: LambdaOperations, opts: { logger: Logger; verify?: (req: HttpRequest) => void }): Route[] {
  return [
    ...lambdaFunctionRoutes(ops), ...lambdaTagRoutes(ops), ...lambdaInvokeRoutes(ops, opts.logger), ...lambdaPermissionRoutes(ops), ...lambdaUrlConfigRoutes(ops), ...lambdaEventSourceMappingRoutes(ops),
    ...functionUrlRoutes(ops, { verify: opts.verify }), ...lambdaUnsupportedRoutes(),
  ];
}
