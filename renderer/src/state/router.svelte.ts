/** The app's views, in the navigation rail's order. `key` is the Alt+key shortcut. */
export const views = [
  { id: 'topics', title: 'Topics', key: '1', blurb: 'Every topic, live, with history, charts and publishing' },
  { id: 'pipeline', title: 'Pipeline', key: '2', blurb: 'Devices → broker → rules → actions → sinks, counted live' },
  { id: 'shadows', title: 'Shadows', key: '3', blurb: 'Desired, reported and delta per thing, with history' },
  { id: 'rules', title: 'Rules', key: '4', blurb: 'Topic rules: SQL, actions, metrics, test and trace' },
  { id: 'registry', title: 'Registry', key: '5', blurb: 'Things, types, groups, certificates and policies' },
  { id: 'sinks', title: 'Sinks', key: '6', blurb: 'Queues, topics, streams, tables, buckets, functions, logs' },
  // Alt+0: the digits after it stay with the views that had them.
  { id: 'sql', title: 'SQL', key: '0', blurb: 'SQL over captured messages, sink records and the registry, with charts' },
  { id: 'devices', title: 'Devices', key: '7', blurb: 'Virtual device fleets and scenarios' },
  { id: 'jobs', title: 'Jobs', key: '', blurb: 'Device management: jobs, templates, provisioning, commands, file streams, telemetry and events' },
  { id: 'labs', title: 'Labs', key: '8', blurb: 'Workshop labs with live checks' },
  { id: 'logs', title: 'Logs', key: '9', blurb: 'The engine log and policy denials' },
  { id: 'cost', title: 'Cost', key: '', blurb: 'What the traffic would cost on AWS, per service, topic, rule and device' },
  { id: 'targets', title: 'Targets', key: '', blurb: 'Where labs run: this engine, another Thingbench, AWS or an MQTT broker' },
] as const;

export type ViewId = (typeof views)[number]['id'];

const isViewId = (id: string): id is ViewId => views.some((v) => v.id === id);

/**
 * Hash routing (`#/rules/my_rule`): the first segment picks the view, the rest (decoded) are the view's own
 * parameters, e.g. the selected rule, so a view can be linked to from another (the pipeline opens a rule this way).
 */
export class Router {
  view = $state<ViewId>('topics');
  params = $state<string[]>([]);

  constructor() {
    this.read();
    window.addEventListener('hashchange', () => this.read());
  }

  go(view: ViewId, ...params: string[]): void {
    const hash = `#/${[view, ...params].map(encodeURIComponent).join('/')}`;
    if (location.hash !== hash) location.hash = hash;
    else this.read();
  }

  private read(): void {
    const [first = '', ...rest] = hashSegments(location.hash);
    this.view = isViewId(first) ? first : 'topics';
    this.params = rest;
  }
}

/** The view a location hash opens (Topics when it names none). */
export function viewOfHash(hash: string): ViewId {
  const first = hashSegments(hash)[0] ?? '';
  return isViewId(first) ? first : 'topics';
}

const hashSegments = (hash: string): string[] => hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
