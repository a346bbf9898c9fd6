import type { JsonValue } from '../contract/index.js';
import type { SqlValue } from '../rules/index.js';
import { EngineError } from '../core/index.js';
import { BrokerService } from '../broker/index.js';
import { DeliveryService } from '../delivery/index.js';
import { IamService } from '../iam/index.js';
import { RegistryService } from '../registry/index.js';
import { ReservedTopicService } from '../reserved-topics/index.js';
import { SecurityService, type ThingLookup } from '../security/index.js';
import { ShadowService, parseUpdateDocument } from '../shadow/index.js';
import type { EngineBase } from './engine-base.js';

/** The shadow service as the rules see it: a synchronous read for `get_thing_shadow()` and updates for functions. */
export type ShadowReader = ReturnType<typeof shadowReader>;

/** The AWS IoT core: IAM records, security, the broker with its delivery classes, shadows, reserved topics, the registry. */
export type IotArea = ReturnType<typeof composeIot>;

export function composeIot(base: EngineBase) {
  const { config, opts, clock, logs, store, guard } = base;
  // IAM and STS records (stored, not enforced); STS sessions' temporary credentials sign HTTP requests off loopback.
  const iam = new IamService(store, clock);
  const security = new SecurityService(store, clock, {
    dataDir: config.dataDir, host: config.host, hostNames: config.security.hostNames, plain: config.security.plain, accessKeys: config.security.accessKeys, logger: logs,
    temporaryKey: (id) => iam.sessions.any(id),
  });
  // Telemetry and events: the broker asks it each message's class; it delivers kept events through the broker.
  const delivery = new DeliveryService(store, clock, { broker: (): BrokerService => broker, logger: logs });
  const broker: BrokerService = new BrokerService(store, {
    mode: config.broker.mode,
    limits: config.broker.limits,
    host: config.host,
    ports: { mqtt: config.ports.mqtt, ws: config.ports.ws, mqtts: config.ports.mqtts, wss: config.ports.wss },
    historySize: config.broker.historySize,
    historyPerTopic: config.broker.historyPerTopic,
    // The hooks are made lazily: the CA and stores exist once the security service has started (it starts first).
    security: security.lazyBrokerHooks(), delivery: delivery.brokerHooks(), plainListeners: config.security.plain === 'off' ? 'off' : 'on', webGuard: guard,
    ...opts.broker,
  }, logs, () => clock.now());
  // The services tap the broker, which catches, logs and counts a tap that throws: it never breaks a publish.
  const shadow = new ShadowService(store, broker, clock, { historySize: config.shadow.historySize, limits: config.shadow.limits, logger: logs });
  const reserved = new ReservedTopicService(broker, clock, logs);
  const registry = new RegistryService(store, broker, shadow, clock, {
    logger: logs, principals: { principalExists: (p) => security.principalExists(p) },
    publishEvent: (topic, body) => void broker.publish({ topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: false }).catch((e: unknown) => logs.log('warn', 'registry', `registry event on ${topic} not published: ${String(e)}`)),
  });
  // Policy variables read the registry's things; the security service's own events go out through the broker.
  security.useThings(registryThings(registry));
  security.usePublisher((topic, payload) => broker.publish({ topic, payload, qos: 1, retain: false }));
  return { iam, security, delivery, broker, shadow, shadows: shadowReader(shadow), reserved, registry };
}

function shadowReader(shadow: ShadowService) {
  return {
    getThingShadow(thing: string, name: string | null) {
      try {
        return shadow.get({ thing, name }) as unknown as SqlValue;
      } catch (e) {
        if (e instanceof EngineError && e.code === 'NotFound') return undefined;
        throw e;
      }
    },
    update: (thing: string, document: unknown, name: string | null) => shadow.update({ thing, name }, parseUpdateDocument(document as JsonValue)),
  };
}

/** The registry as the security service sees it: principal attachments, thing attributes and groups (policy variables). */
function registryThings(registry: RegistryService): ThingLookup {
  let changes = 0;
  registry.events.on('changed', () => changes++);
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  return {
    thingsOf: (principal) => registry.thingsForPrincipal(principal, 1000).items,
    thing: (name) => {
      const t = registry.findThing(name);
      return t && { thingTypeName: t.type ?? undefined, attributes: t.attributes };
    },
    groupsOf: (name) => attempt(() => registry.groups.groupsOf(name, 100).items.flatMap((g) => [g.name, ...g.rootToParent]), []),
    groupExists: (name) => attempt(() => !!registry.groups.describe(name), false),
    groupIsDynamic: (name) => registry.groups.isDynamic(name),
    principalsOf: (name) => attempt(() => registry.listPrincipals(name, 1000).items, []),
    changes: () => changes,
  };
}
