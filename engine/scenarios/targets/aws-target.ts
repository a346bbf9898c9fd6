/**
 * The `aws` target: AWS IoT Core. Devices connect over mutual TLS (port 8883) to the account's ATS data endpoint with a
 * device certificate AWS knows; provisioning goes through the AWS SDK v3 with credentials from the standard AWS chain
 * (environment, the shared config and credentials files with the profile's name, SSO, process, web identity, instance
 * metadata), resolved by the SDK itself, never stored by Thingbench.
 *
 * Resolution: the region is the profile's `--region`, else what the SDK's chain finds (AWS_REGION, the shared config's
 * profile); the data endpoint is the profile's `--endpoint`, else DescribeEndpoint(iot:Data-ATS) asks the account.
 * Opening makes that signed call in any case, so missing or refused credentials are one sentence before a run.
 *
 * LIMITATIONS: not tested against live AWS here (the resolution is, against a local engine standing in for the
 * control plane); MQTT over WebSocket (SigV4) to AWS is not offered, only mutual TLS.
 */
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { EngineError } from '../../core/index.js';
import type { TargetProfile } from './profiles.js';
import { keysRefused, RemoteTarget, type RemoteOpenOptions } from './remote-targets.js';
import { probeEndpoint, readPem } from './target-io.js';
import type { Target, TargetAws, TargetAwsCredentials } from './target.js';

export const AWS_IOT_MQTT_PORT = 8883;

export async function openAwsTarget(name: string, p: TargetProfile, opts: RemoteOpenOptions = {}): Promise<Target> {
  const tls = {
    cert: readPem(p.cert!, 'device certificate', name),
    key: readPem(p.key!, 'private key', name),
    // Amazon Root CA 1 is in Node's own trust store; a CA file replaces it only when given.
    ...(p.ca ? { ca: readPem(p.ca, 'CA certificate', name) } : {}),
  };
  const control = new IoTClient({
    ...(p.region ? { region: p.region } : {}),
    ...(p.awsProfile ? { profile: p.awsProfile } : {}),
    ...(p.controlEndpoint ? { endpoint: p.controlEndpoint } : {}),
    maxAttempts: 2,
  });
  let region: string;
  try {
    region = await control.config.region();
  } catch {
    region = '';
  }
  if (!region) {
    control.destroy();
    throw new EngineError('InvalidInput', `target '${name}': no AWS region: give one with --region, or set it in the AWS profile${p.awsProfile ? ` '${p.awsProfile}'` : ''} or AWS_REGION`);
  }
  // The SDK's resolved provider (memoized, refreshed before expiry): the same chain every client of this target uses.
  const credentials = control.config.credentials as () => Promise<TargetAwsCredentials>;
  const aws: TargetAws = { region, credentials, ...(p.awsProfile ? { profile: p.awsProfile } : {}), ...(p.controlEndpoint ? { endpoint: p.controlEndpoint } : {}), ...(tls.ca ? { ca: tls.ca } : {}) };
  const caps = { shadows: true, controlPlane: true, sinks: false, engineRestart: false };
  let host = p.endpoint?.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const pending = new RemoteTarget(name, 'aws', caps, { url: '', tls }, aws);
  try {
    if (!host || opts.probe !== false) {
      const given = host;
      const out = await control.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })).catch((e: unknown) => {
        const denied = /^(AccessDenied|Unauthorized)Exception$/.test((e as { name?: string }).name ?? '');
        // With the endpoint given, the call only checks the credentials: AWS recognised them if it denied the action.
        if (denied && given) return { endpointAddress: given };
        if (denied) {
          throw new EngineError('Forbidden', `target '${name}': the AWS credentials may not call DescribeEndpoint (${(e as Error).message.split('\n')[0].replace(/\.$/, '')}); give the endpoint with --endpoint, or allow iot:DescribeEndpoint`);
        }
        throw keysRefused(pending, e);
      });
      host ??= out.endpointAddress;
      if (!host) throw new EngineError('Unavailable', `target '${name}': DescribeEndpoint gave no data endpoint; give it with --endpoint`);
    }
  } finally {
    control.destroy();
  }
  host = host.replace(/:\d+$/, '');
  aws.dataEndpoint = `https://${host}`;
  const url = `mqtts://${host}:${AWS_IOT_MQTT_PORT}`;
  if (opts.probe !== false) await probeEndpoint(name, 'AWS IoT Core MQTT', url, tls);
  return new RemoteTarget(name, 'aws', caps, { url, tls }, aws);
}
