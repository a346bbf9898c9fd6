/**
 * Every rule action, by AWS's action key in the `Action` JSON. One line per action; a key not listed here is
 * rejected at rule creation (`InvalidRequestException`).
 */
import type { ActionFactory } from './action.js';
import { republishAction } from './republish.js';
import { lambdaAction } from './lambda.js';

export const actionFactories: Record<string, ActionFactory> = {
  republish: republishAction,
  lambda: lambdaAction,
};
