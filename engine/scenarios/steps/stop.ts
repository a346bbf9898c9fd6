/** `stop`: stops devices and fleets cleanly (DISCONNECT, so no last will). */
import { deviceNames, devicesArgSchema, type DevicesArg } from './devices-arg.js';
import { defineStep, passed } from './step.js';

export const stopStep = defineStep<DevicesArg>({
  name: 'stop',
  summary: 'Stops declared devices and fleets cleanly (their last wills do not fire).',
  schema: devicesArgSchema,
  deviceRefs: deviceNames,
  async run(ctx, args) {
    const names = deviceNames(args);
    for (const name of names) await ctx.devices.stop(name);
    return passed(names.join(', '));
  },
});
