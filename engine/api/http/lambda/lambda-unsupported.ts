/**
 * Lambda operations this engine does not offer (versions, aliases, layers, concurrency, …) are answered with
 * one clear error naming the request, instead of a 404 that reads like a missing function: every path under one of
 * the Lambda API's version prefixes that no route above took. Registered last, so it never shadows a real route.
 */
import { randomUUID } from 'node:crypto';
import type { Route } from '../http-server.js';
import { lambdaRoute } from './lambda-shapes.js';
import { AwsError } from '../aws-errors.js';

const PREFIXES = ['2014-11-13', '2015-03-31', '2016-08-19', '2017-03-31', '2017-10-31', '2018-10-31', '2019-09-25', '2019-09-30', '2020-04-22',
  '2020-06-30', '2021-07-20', '2021-10-31', '2021-11-15', '2024-08-31', '2025-11-30', '2025-12-01', '2026-07-09'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function lambdaUnsupportedRoutes(): Route[] {
  return PREFIXES.flatMap((prefix) => METHODS.map((method): Route => ({
    method, path: `/${prefix}/{Rest+}`, operation: 'UnsupportedLambdaOperation', rawBody: true, ...lambdaRoute,
    handler: (req) => {
      throw new AwsError(400, 'UnknownOperationException', `${req.method} ${req.rawPath ?? ''} is a Lambda operation that Thingbench does not support yet (request ${randomUUID()})`);
    },
  })));
}
