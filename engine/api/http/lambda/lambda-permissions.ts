/**
 * A function's resource-based policy [Lambda API Reference]: AddPermission, RemovePermission, GetPolicy. Stored
 * and returned as Lambda shapes them; not enforced (LIMITATIONS in engine/functions).
 */
import { EngineError } from '../../../core/index.js';
import type { Route } from '../http-server.js';
import { functionName, jsonBody, lambdaRoute, str, type LambdaOperations } from './lambda-shapes.js';

export function lambdaPermissionRoutes(ops: LambdaOperations): Route[] {
  return [
    {
      method: 'POST', path: '/2015-03-31/functions/{FunctionName}/policy', operation: 'AddPermission', ...lambdaRoute,
      handler: async (req) => {
        const name = functionName(ops, req);
        const body = jsonBody(req);
        const statementId = str(body, 'StatementId', 'statementId', true);
        const action = str(body, 'Action', 'action', true);
        const principal = str(body, 'Principal', 'principal', true);
        if (!/^([a-zA-Z0-9-_.]+)$/.test(statementId) || statementId.length > 100) {
          throw new EngineError('InvalidInput', `1 validation error detected: Value '${statementId}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)`, { reason: 'validation' });
        }
        if (!/^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/.test(action)) {
          throw new EngineError('InvalidInput', `1 validation error detected: Value '${action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])`, { reason: 'validation' });
        }
        ops.get(name);
        const statement = await ops.attachments.addPermission(name, {
          statementId, action, principal, sourceArn: str(body, 'SourceArn', 'sourceArn'), sourceAccount: str(body, 'SourceAccount', 'sourceAccount'),
          principalOrgId: str(body, 'PrincipalOrgID', 'principalOrgID'), functionUrlAuthType: str(body, 'FunctionUrlAuthType', 'functionUrlAuthType'),
          eventSourceToken: str(body, 'EventSourceToken', 'eventSourceToken'),
        });
        return { status: 201, json: { Statement: JSON.stringify(statement) } };
      },
    },
    {
      method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}/policy/{StatementId}', operation: 'RemovePermission', ...lambdaRoute,
      handler: async (req) => {
        const name = functionName(ops, req);
        ops.get(name);
        await ops.attachments.removePermission(name, req.params.StatementId);
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/policy', operation: 'GetPolicy', ...lambdaRoute,
      handler: (req) => {
        const name = functionName(ops, req);
        ops.get(name);
        const p = ops.attachments.policy(name);
        return { json: { Policy: p.policy, RevisionId: p.revisionId } };
      },
    },
  ];
}
