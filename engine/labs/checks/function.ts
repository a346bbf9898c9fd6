/**
 * `function: { name, runtime?, invoked? }`: the Lambda function exists (GetFunction) with this runtime; `invoked`:
 * its log group `/aws/lambda/<name>` has events (CloudWatch Logs), which AWS and the local engine both write.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { defineCheck, done, missing } from './check.js';

export interface FunctionArgs { name: string; runtime?: string; invoked?: boolean }

export const functionCheck = defineCheck<FunctionArgs>({
  kind: 'function',
  summary: 'The Lambda function exists with this runtime, and has been invoked (its log group has events).',
  localOnly: false,
  schema: {
    type: 'object', required: ['name'], additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      runtime: { type: 'string', minLength: 1, description: 'nodejs20.x, python3.12, …' },
      invoked: { const: true, description: 'It has run at least once since it was made.' },
    },
  },
  async check(ctx, a) {
    const lambda = ctx.clients.lambda();
    const fn = await ctx.clients.find('GetFunction', () => lambda.send(new GetFunctionCommand({ FunctionName: a.name })));
    if (!fn) return missing(`there is no function named ${a.name}`);
    const runtime = fn.Configuration?.Runtime;
    if (a.runtime !== undefined && runtime !== a.runtime) return missing(`the function ${a.name} runs ${runtime ?? 'an unknown runtime'}, not ${a.runtime}`);
    if (a.invoked) {
      const logs = ctx.clients.logs();
      const res = await ctx.clients.find('FilterLogEvents', () => logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${a.name}`, limit: 1 })));
      if (!res?.events?.length) return missing(`the function ${a.name} has not run yet (no events in /aws/lambda/${a.name})`);
    }
    return done(`the function ${a.name} exists${runtime ? ` (${runtime})` : ''}${a.invoked ? ' and has run' : ''}`);
  },
});
