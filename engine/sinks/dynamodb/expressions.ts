/**
 * One request's expressions compiled together, as DynamoDB validates them: ExpressionAttributeNames/Values must not
 * be empty, must only come with expressions, must all be defined where used and all used somewhere.
 */
import { validateValue, type AttributeValue, type Item } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';
import { checkCondition, checkUpdate, evaluateCondition, project } from './expression-eval.js';
import { ExpressionContext, parseCondition, parseProjection, parseUpdate, type Condition, type PathElem, type UpdatePlan } from './expression-parser.js';

export interface ExpressionInput {
  ConditionExpression?: string;
  FilterExpression?: string;
  KeyConditionExpression?: string;
  UpdateExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export interface CompiledExpressions {
  condition?: Condition;
  filter?: Condition;
  keyCondition?: Condition;
  update?: UpdatePlan;
  projection?: PathElem[][];
}

export function compileExpressions(input: ExpressionInput, keyNames: string[] = []): CompiledExpressions {
  const names = input.ExpressionAttributeNames, rawValues = input.ExpressionAttributeValues;
  const any = [input.ConditionExpression, input.FilterExpression, input.KeyConditionExpression, input.UpdateExpression, input.ProjectionExpression].some((e) => e !== undefined);
  if (names !== undefined) {
    if (!any) throw ddbValidation('ExpressionAttributeNames can only be specified when using expressions');
    if (Object.keys(names).length === 0) throw ddbValidation('ExpressionAttributeNames must not be empty');
  }
  let values: Record<string, AttributeValue> | undefined;
  if (rawValues !== undefined) {
    if (!any) throw ddbValidation('ExpressionAttributeValues can only be specified when using expressions');
    if (Object.keys(rawValues).length === 0) throw ddbValidation('ExpressionAttributeValues must not be empty');
    values = {};
    for (const [k, v] of Object.entries(rawValues)) {
      try {
        values[k] = validateValue(v);
      } catch (e) {
        throw ddbValidation(`ExpressionAttributeValues contains invalid value: ${(e as Error).message} for key ${k}`);
      }
    }
  }
  const ctx = new ExpressionContext(names ?? {}, values ?? {});
  const out: CompiledExpressions = {};
  if (input.KeyConditionExpression !== undefined) { out.keyCondition = parseCondition('KeyConditionExpression', input.KeyConditionExpression, ctx); checkCondition('KeyConditionExpression', out.keyCondition); }
  if (input.FilterExpression !== undefined) { out.filter = parseCondition('FilterExpression', input.FilterExpression, ctx); checkCondition('FilterExpression', out.filter); }
  if (input.ConditionExpression !== undefined) { out.condition = parseCondition('ConditionExpression', input.ConditionExpression, ctx); checkCondition('ConditionExpression', out.condition); }
  if (input.UpdateExpression !== undefined) { out.update = parseUpdate(input.UpdateExpression, ctx); checkUpdate(out.update, keyNames); }
  if (input.ProjectionExpression !== undefined) out.projection = parseProjection(input.ProjectionExpression, ctx);
  const unusedNames = Object.keys(names ?? {}).filter((n) => !ctx.usedNames.has(n));
  if (unusedNames.length) throw ddbValidation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  const unusedValues = Object.keys(values ?? {}).filter((n) => !ctx.usedValues.has(n));
  if (unusedValues.length) throw ddbValidation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
  return out;
}

/** A condition over a possibly missing item (a missing item has no attributes). */
export const matches = (cond: Condition | undefined, item: Item | undefined): boolean => cond === undefined || evaluateCondition(item ?? {}, cond);

export const projectItem = (item: Item, paths: PathElem[][] | undefined): Item => (paths ? project(item, paths) : item);
