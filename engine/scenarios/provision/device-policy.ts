/**
 * The least-privilege AWS IoT policy for a provisioned fleet: one document for every device of a model, written with
 * policy variables so each device may only be itself. A device may connect with its own thing name as client id,
 * use its own shadows (`$aws/things/${iot:Connection.Thing.ThingName}/shadow/*`), its own jobs and streams topics when
 * the model runs jobs, and the model's own topics, where
 * `{thingName}` becomes `${iot:Connection.Thing.ThingName}`, `{clientId}` becomes `${iot:ClientId}` and any other
 * placeholder (`{id}`, `{farm}`) becomes the policy wildcard `*`. An https model's devices get `*` for their thing
 * too: AWS resolves no thing policy variable over HTTPS, so a statement that used one would match nothing.
 */
import type { DeviceModel } from '../../devices/index.js';

const THING = '${iot:Connection.Thing.ThingName}';

/** The policy a provisioned fleet's certificates get: the model's document (`thingbench-<model>`), or the default. */
export function devicePolicyName(model: DeviceModel): string {
  return model.identity.policy !== undefined ? `thingbench-${model.name}` : `thingbench-${model.name}-device`;
}

/**
 * The default policy document. `certificateArn` (`arn:aws:iot:<region>:<account>:cert/<id>`) gives the region and
 * account of the resources.
 */
export function devicePolicyDocument(model: DeviceModel, certificateArn: string): { Version: string; Statement: object[] } {
  const doc = mqttPolicyDocument(model, certificateArn);
  if (model.protocol.transport !== 'https') return doc;
  const anyThing = (r: string) => r.replaceAll(THING, '*').replace(/\*+/g, '*');
  const statements = doc.Statement as Array<{ Resource: string | string[] }>;
  return { ...doc, Statement: statements.map((st) => ({ ...st, Resource: Array.isArray(st.Resource) ? st.Resource.map(anyThing) : anyThing(st.Resource) })) };
}

function mqttPolicyDocument(model: DeviceModel, certificateArn: string): { Version: string; Statement: object[] } {
  const prefix = certificateArn.replace(/:cert\/[^:]*$/, '');
  const shadow = `$aws/things/${THING}/shadow/*`;
  const published = new Set<string>([shadow]);
  const subscribed = new Set<string>([shadow]);
  for (const t of model.telemetry) published.add(policyPattern(t.topic));
  if (model.will) published.add(policyPattern(model.will.topic));
  for (const c of model.commands) {
    if (c.requestTopic !== undefined) subscribed.add(policyPattern(c.requestTopic));
    if (c.replyTopic !== undefined) published.add(policyPattern(c.replyTopic));
  }
  for (const tr of model.stateMachine?.transitions ?? []) if (tr.on.kind === 'message') subscribed.add(policyPattern(tr.on.topic));
  if (model.jobs) {
    // AWS IoT Jobs and MQTT-based file delivery: the thing's own jobs and streams topics.
    for (const t of [`$aws/things/${THING}/jobs/*`, `$aws/things/${THING}/streams/*`]) {
      published.add(t);
      subscribed.add(t);
    }
  }
  if (model.awsCommands) {
    // AWS IoT Commands: the thing's own request, response and reply topics.
    published.add(`$aws/commands/things/${THING}/executions/*`);
    subscribed.add(`$aws/commands/things/${THING}/executions/*`);
  }
  const client = model.identity.clientId.trim() === '{thingName}' ? THING : policyPattern(model.identity.clientId);
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${prefix}:client/${client}` },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: [...published].map((t) => `${prefix}:topic/${t}`) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [...subscribed].map((t) => `${prefix}:topicfilter/${t}`) },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: [...subscribed].map((t) => `${prefix}:topic/${t}`) },
    ],
  };
}

/**
 * A model template as a policy resource pattern: `{thingName}` and `{clientId}` become policy variables, any other
 * placeholder `*`, `{{`/`}}` literal braces; MQTT wildcards `+` and `#` become `*` (a resource pattern over filters).
 */
export function policyPattern(template: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      out += c;
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      const expr = template.slice(i + 1, end < 0 ? template.length : end).trim();
      out += expr === 'thingName' ? THING : expr === 'clientId' ? '${iot:ClientId}' : '*';
      i = end < 0 ? template.length : end;
    } else if (c === '+' || c === '#') {
      out += '*';
    } else {
      out += c;
    }
  }
  return out.replace(/\*+/g, '*');
}
