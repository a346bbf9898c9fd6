/**
 * Which reserved (`$`) topics AWS IoT lets a client publish to: those its services listen on. Everything else that
 * starts with `$` (lifecycle events, `…/accepted` replies, `$SYS/…`, topics made up under `$aws/`) is AWS's to publish,
 * and "unsupported publish or subscribe operations to reserved topics can result in a terminated connection"
 * [DG:reserved-topics]. Standard mode lets clients publish anywhere; the engine's consumers then tell a client's
 * message from the engine's own by `TappedMessage.origin`.
 */

const SHADOW_OPS = new Set(['get', 'update', 'delete']);
const FORMATS = new Set(['json', 'cbor']);
const JOB_REPLIES = new Set(['accepted', 'rejected']);

/** True when `topic` (starting with `$`) is one a client may publish to in AWS IoT Core. */
export function clientMayPublishReserved(topic: string): boolean {
  const l = topic.split('/');
  if (l[0] !== '$aws') return false;
  switch (l[1]) {
    case 'things': // $aws/things/{thingName}/…
      return l.length > 3 && l[2] !== '' && thingTopic(l);
    case 'rules': // Basic Ingest: $aws/rules/{ruleName}/{topic…}
      return l.length > 3 && l[2] !== '' && l.slice(3).join('/') !== '';
    case 'certificates': // fleet provisioning: $aws/certificates/create[-from-csr]/{format}
      return l.length === 4 && (l[2] === 'create' || l[2] === 'create-from-csr') && FORMATS.has(l[3]);
    case 'provisioning-templates': // $aws/provisioning-templates/{templateName}/provision/{format}
      return l.length === 5 && l[2] !== '' && l[3] === 'provision' && FORMATS.has(l[4]);
    case 'commands': // $aws/commands/{things|clients}/{id}/executions/{executionId}/response[/{format}]
      return (l.length === 7 || l.length === 8) && (l[2] === 'things' || l[2] === 'clients') && l[3] !== ''
        && l[4] === 'executions' && l[5] !== '' && l[6] === 'response' && (l.length === 7 || l[7] !== '');
    case 'device_location': // $aws/device_location/{deviceId}/get_position_estimate
      return l.length === 4 && l[2] !== '' && l[3] === 'get_position_estimate';
    default:
      return false;
  }
}

/** `$aws/things/{thingName}/` followed by a shadow, jobs, file delivery or Device Defender request. */
function thingTopic(l: string[]): boolean {
  const rest = l.slice(3);
  switch (rest[0]) {
    case 'shadow': // shadow/{op} and shadow/name/{shadowName}/{op}
      return (rest.length === 2 && SHADOW_OPS.has(rest[1])) || (rest.length === 4 && rest[1] === 'name' && rest[2] !== '' && SHADOW_OPS.has(rest[3]));
    case 'jobs': // jobs/get, jobs/start-next, jobs/{jobId}/get, jobs/{jobId}/update; the Jobs service answers any
      // other request under jobs/ with InvalidTopic [DG:jobs-mqtt-api], so only its own replies are reserved to it
      return rest.length >= 2 && !JOB_REPLIES.has(rest[rest.length - 1]) && !(rest.length === 2 && (rest[1] === 'notify' || rest[1] === 'notify-next'));
    case 'streams': // streams/{streamId}/describe/{format}, streams/{streamId}/get/{format} (MQTT-based file delivery)
      return rest.length === 4 && rest[1] !== '' && (rest[2] === 'describe' || rest[2] === 'get') && FORMATS.has(rest[3]);
    case 'defender': // defender/metrics/{format}
      return rest.length === 3 && rest[1] === 'metrics' && FORMATS.has(rest[2]);
    default:
      return false;
  }
}
