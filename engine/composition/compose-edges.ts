import { acmService, CoapService, cloudwatchService, controlRoutes, DeviceHttpsEndpoint, dynamodbService, dynamodbStreamsService, firehoseService, HttpApiService, iamService, iotCommandRoutes, iotControlJobTemplateRoutes, iotFleetProvisioningRoutes, iotJobsDataRoutes, iotJobsRoutes, iotProvisioningRoutes, iotStreamRoutes, kinesisService, logsService, signerRoutes, snsLinkRoutes, snsService, sqsService, stsService, withResourceTags, type Route } from '../api/index.js';
import { RequestMeter } from '../metering/index.js';
import { meteredRoutes, meteredS3, meteredService } from '../service-metering.js';
import type { EngineBase } from './engine-base.js';
import type { ComputeArea } from './compose-compute.js';
import type { ControlArea } from './compose-control.js';
import type { FilesArea } from './compose-files.js';
import type { IotArea } from './compose-iot.js';
import type { JobsArea } from './compose-jobs.js';
import type { ProvisioningArea } from './compose-provisioning.js';

/** The edges devices and AWS clients talk to: the HTTP API (every AWS service), HTTPS devices (port 8443), CoAP devices. */
export type EdgesArea = ReturnType<typeof composeEdges>;

export function composeEdges(
  { config, clock, logs, guard, requireRoles }: EngineBase, { iam, security, broker, shadow, registry }: IotArea, { control, commands }: ControlArea,
  { objects, streams, signer }: FilesArea, { functions, sinks, rules }: ComputeArea, { jobs, jobTemplates }: JobsArea, { provisioning, fleetProvisioning }: ProvisioningArea,
) {
  // AWS services on the same endpoint, routed by credential scope and X-Amz-Target (api/http/protocols): one line each.
  const requests = new RequestMeter();
  const services = [
    stsService(iam),
    iamService(iam),
    snsService(sinks.topics),
    dynamodbService({
      create: (kind, name, options) => sinks.create(kind, name, options), delete: (kind, name) => sinks.delete(kind, name),
      list: (kind) => sinks.list(kind), sizeBytes: (table) => sinks.tables.sizeBytes(table),
      setOptions: (table, patch) => sinks.tables.setOptions(table, patch), items: sinks.dynamodb,
      indexStats: (table) => sinks.tables.indexStats(table), addIndex: (table, index) => sinks.tables.addIndex(table, index),
      removeIndex: (table, name) => sinks.tables.removeIndex(table, name), setIndexThroughput: (table, name, t) => sinks.tables.setIndexThroughput(table, name, t),
      setTimeToLive: (table, attribute) => sinks.tables.setTimeToLive(table, attribute),
      tags: sinks.tags,
    }),
    dynamodbStreamsService({ list: (kind) => sinks.list(kind), changes: (table, after, limit) => sinks.tables.changes(table, after, limit), latestChange: (table) => sinks.tables.latestChange(table) }, clock),
    sqsService(sinks),
    kinesisService({ create: (kind, name, options) => sinks.create(kind, name, options), delete: (kind, name) => sinks.delete(kind, name), list: (kind) => sinks.list(kind), streams: sinks.streams, tags: sinks.tags }, clock),
    firehoseService({
      create: (kind, name, options) => sinks.create(kind, name, options), delete: (kind, name) => sinks.delete(kind, name), list: (kind) => sinks.list(kind), firehose: sinks.firehose, tags: sinks.tags,
      ...(requireRoles ? { roleAssumable: (role: string) => iam.canAssume(role, 'firehose.amazonaws.com') } : {}),
    }),
    logsService(sinks.logs),
    cloudwatchService({ cloudwatch: sinks.cloudwatch, alarms: sinks.alarms, list: (kind) => sinks.list(kind), tags: sinks.tags }),
    // ACM: signing certificates for code signing (imported, or made by the engine for a signing profile).
    acmService(signer),
  ];
  // Jobs, job templates, commands and provisioning templates keep their tags with the registry's (ListTagsForResource).
  const tagged = (routes: Route[]) => withResourceTags(routes, registry.tags);
  const http = new HttpApiService({
    broker, shadow, rules, registry, security, services: services.map((s) => meteredService(s, requests)), routes: [...snsLinkRoutes(sinks.topics), ...tagged(iotJobsRoutes(jobs, () => clock.now())), ...iotJobsDataRoutes(jobs.device, () => clock.now()), ...iotStreamRoutes(streams), ...signerRoutes(signer), ...tagged(iotProvisioningRoutes(provisioning)), ...iotFleetProvisioningRoutes(fleetProvisioning), ...tagged(iotCommandRoutes(commands)),
      ...tagged(iotControlJobTemplateRoutes(jobTemplates)), ...controlRoutes(control)],
    taggable: {
      job: (id) => !!jobs.job(id), jobtemplate: (id) => !!jobTemplates.describe(id), command: (id) => !!commands.commands.get(id),
      provisioningtemplate: (name) => provisioning.templates.row(name) !== undefined,
    }, lambda: functions, objects,
    limits: config.broker.limits, host: config.host, port: config.ports.http, logger: logs, guard, wrapRoutes: (routes) => meteredRoutes(routes, requests), onS3Request: meteredS3(requests),
  });
  // HTTPS devices, as on AWS IoT's port 8443: the wss listener's requests that are not WebSocket upgrades.
  const deviceHttps = new DeviceHttpsEndpoint({ broker, security, shadows: shadow, commands: control, limits: config.broker.limits, logger: logs });
  // CoAP devices (UDP, loopback unless --coap-host with --coap-insecure): each request as its thing, by its device token.
  const coap = new CoapService({
    verifyToken: (thing, token) => registry.deviceTokens.verify(thing, token),
    deviceGuard: ({ thing, tokenId, remoteAddress }) => security.deviceGuard({ clientId: thing, transport: 'coap', remoteAddress, thing, principal: tokenId }),
    openSession: ({ thing, remoteAddress, guard }) => broker.openDeviceSession({ clientId: thing, protocol: 'coap', remoteAddress, guard }),
    commands: control, maxPayloadBytes: () => config.broker.limits.maxPayloadBytes,
  }, {
    host: config.coap?.host ?? '127.0.0.1', port: config.ports.coap, insecure: config.coap?.insecure === true,
    requestsPerSecond: config.coap?.requestsPerSecond ?? 2000, burst: config.coap?.burst, logger: logs,
  });
  return { requests, http, deviceHttps, coap };
}
