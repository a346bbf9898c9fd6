/**
 * `cloudwatchAlarm` [DG:cloudwatch-alarms-rule-action]: changes a local alarm's state. Parameters as AWS's
 * CloudwatchAlarmAction, all with templates: `alarmName`, `stateValue` (`OK`, `ALARM` or `INSUFFICIENT_DATA`),
 * `stateReason`, `roleArn` (accepted, not enforced). An alarm that does not exist fails the action: create it with
 * `sinks.create("alarm", name)`.
 */
import { EngineError } from '../../core/index.js';
import { alarmStates, type AlarmState } from '../../sinks/index.js';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, param, sinksOf } from './sink-action.js';

export const cloudwatchAlarmAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'cloudwatchAlarm');
  const alarmName = requiredString(params, 'alarmName', 'cloudwatchAlarm');
  const stateValue = requiredString(params, 'stateValue', 'cloudwatchAlarm');
  const stateReason = requiredString(params, 'stateReason', 'cloudwatchAlarm');
  if (!stateValue.includes('${') && !alarmStates.includes(stateValue as AlarmState)) {
    throw new EngineError('InvalidInput', `cloudwatchAlarm.stateValue must be one of ${alarmStates.join(', ')}`);
  }
  optionalString(params, 'roleArn', 'cloudwatchAlarm');
  return {
    kind: 'cloudwatchAlarm',
    invoke: (input) => attempt(async () => {
      const alarm = param(input, alarmName);
      const state = param(input, stateValue);
      if (!alarmStates.includes(state as AlarmState)) throw new EngineError('InvalidInput', `stateValue "${state}" is not one of ${alarmStates.join(', ')}`);
      await sinks.cloudwatch.setAlarmState(alarm, state as AlarmState, param(input, stateReason), input.traceId);
      return { alarm, state };
    }),
  };
};
