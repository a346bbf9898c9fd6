import type { Logger } from '../core/index.js';
import type { BrokerService } from '../broker/index.js';
import { JobChanges, JobsService, JobTemplates, JobRollouts, checkedPolicies, prepareJob, readDocumentSource, templateSourceOf, type JobsPort, type JobTargets } from '../jobs/index.js';
import type { RegistryService } from '../registry/index.js';
import type { EngineBase } from './engine-base.js';
import type { FilesArea } from './compose-files.js';
import type { IotArea } from './compose-iot.js';

/** AWS IoT Jobs with their templates and rollout policies. */
export type JobsArea = ReturnType<typeof composeJobs>;

export function composeJobs(base: EngineBase, { broker, registry }: IotArea, { objects }: FilesArea) {
  const { config, clock, logs, store } = base;
  // AWS IoT Jobs: targets from the registry, events gated by UpdateEventConfigurations, replies to the requester.
  const jobs: JobsService = new JobsService(store, jobTargets(registry), jobsPort(broker, logs), clock, {
    logger: logs, eventsEnabled: (kind) => registry.eventConfig.isEnabled(kind),
    // Rollout policies (engine/jobs/job-rollouts.ts): rates, presigned URLs, job templates and documents from the local S3.
    admit: (job, things) => rollouts.admit(job, things), shown: (job) => rollouts.shown(job), deadline: (job, before, after) => rollouts.deadline(job, before, after),
    prepare: (input) => prepareJob(input, jobTemplates), checkPolicies: (patch) => void checkedPolicies(patch),
    documentFromSource: async (source) => readDocumentSource(objects, source),
  });
  // Job templates (CreateJobTemplate, …); CreateJob takes its defaults from them.
  const jobTemplates = new JobTemplates(store, clock, objects, () => templateSourceOf(jobs));
  // Rollout rates, aborts, timeouts, retries and presigned URLs, swept on the engine's clock.
  const rollouts: JobRollouts = new JobRollouts(() => jobs, clock, {
    logger: logs,
    presigner: { endpoint: () => base.httpUrl(), key: () => config.security.accessKeys[0] ?? { accessKeyId: 'thingbench-local', secretAccessKey: 'thingbench-local' }, now: () => clock.now() },
  });
  // The UI's jobs.changed events, batched.
  const jobChanges = new JobChanges(jobs.events, (e) => base.events.emit('jobs.changed', e));
  return { jobs, jobTemplates, rollouts, jobChanges };
}

/** The registry as the jobs see it: things, groups (child groups included) and, when reported, membership changes. */
function jobTargets(registry: RegistryService): JobTargets {
  return {
    thingExists: (name) => registry.findThing(name) !== undefined,
    groupExists: (name) => {
      try {
        return !!registry.groups.describe(name);
      } catch {
        return false;
      }
    },
    groupMembers: (name) => registry.groups.things(name, true).items,
    onMembership: (listener) => registry.groups.events.on('membership', (c) => listener([c])),
    onThingDeleted: (listener) => registry.events.on('changed', (e) => {
      if (e.kind === 'thing' && e.operation === 'deleted') listener(e.name);
    }),
  };
}

/** How the jobs reach the broker: the device topics' tap, notices as engine publishes, replies to the requester. */
function jobsPort(broker: BrokerService, logger: Logger): JobsPort {
  const send = (topic: string, payload: Buffer, qos: 0 | 1) => broker.publish({ topic, payload, qos, retain: false })
    .catch((e: Error) => logger.log('warn', 'jobs', `could not publish ${topic}: ${e.message}`));
  return {
    tap: (filter, handler) => broker.tap(filter, handler),
    publish: (topic, body) => void send(topic, Buffer.from(JSON.stringify(body)), 1),
    // AWS answers the requester alone, not through the broker; a request of the engine's own (the UI) is published.
    reply: (clientId, topic, payload, qos) => {
      if (clientId === null) void send(topic, payload, qos);
      else broker.deliverTo(clientId, { topic, payload, qos });
    },
  };
}
