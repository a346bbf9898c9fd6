/** The Jobs view's tabs, in order; the first segment of `#/jobs/<tab>/<id>`. */
export const TABS = [
  { id: 'jobs', title: 'Jobs' },
  { id: 'templates', title: 'Job templates' },
  { id: 'provisioning', title: 'Provisioning' },
  { id: 'commands', title: 'Commands' },
  { id: 'streams', title: 'Streams' },
  { id: 'delivery', title: 'Telemetry & events' },
] as const;

export type JobsTab = (typeof TABS)[number]['id'];
