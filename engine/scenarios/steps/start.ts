/** `start`: starts declared devices and fleets, resolving once every device is connected. */
import { deviceNames, devicesArgSchema, type DevicesArg } from './devices-arg.js';
import { defineStep, passed } from './step.js';

export const startStep = defineStep<DevicesArg>({
  name: 'start',
  summary: 'Starts declared devices and fleets and waits until every device is connected.',
  schema: devicesArgSchema,
  deviceRefs: deviceNames,
  async run(ctx, args) {
    const names = deviceNames(args);
    for (const name of names) await ctx.devices.start(name);
    return passed(names.join(', '));
  },
});
