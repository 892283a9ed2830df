import { ErrorScope, propError, requireDnsSubdomain, show } from '../_errors';
import { SecretKeyReference } from '../storage/secret-key-reference';

/** A Kafka configuration value (`retention.ms: 86400000`, `cleanup.policy: delete`). */
export type KafkaConfigValue = string | number | boolean;

/** Kafka's topic-name rule (`org.apache.kafka.common.internals.Topic`): legal characters, at most 249. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Throws unless `value` is a legal Kafka topic name: 1 to 249 of `[a-zA-Z0-9._-]`, neither `.`
 * nor `..`.
 */
export function requireTopicName(scope: ErrorScope, field: string, value: string): void {
  if (typeof value !== 'string' || !TOPIC_NAME.test(value) || value === '.' || value === '..') {
    throw propError(scope, field, value, 'a Kafka topic name: 1 to 249 characters of letters, digits, \'.\', \'_\' and \'-\', not "." or ".."');
  }
}

/** A broker address, parsed. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

const HOST_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;

/**
 * Parses `host:port` (a DNS name, an IPv4 address or a bracketed IPv6 address, and a port from 1
 * to 65535), as Kafka clients take bootstrap servers: no scheme, no path.
 */
export function parseBroker(scope: ErrorScope, field: string, value: string): BrokerAddress {
  const allowed = 'a broker address "host:port" (no scheme; a DNS name, IPv4 or [IPv6] host; port 1 to 65535), such as "kafka-0.example.com:9092"';
  if (typeof value !== 'string') throw propError(scope, field, value, allowed);
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw propError(scope, field, value, allowed);
  const host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  const numeric = /^[\d.]+$/.test(host);
  const hostOk = host.length <= 253 && (IPV4.test(host) || IPV6.test(host) || (!numeric && HOST_NAME.test(host)));
  if (!hostOk || !Number.isInteger(port) || port < 1 || port > 65535) throw propError(scope, field, value, allowed);
  return { host, port };
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Throws unless the reference names a valid Secret and a valid Secret key. */
export function requireSecretKeyReference(scope: ErrorScope, field: string, ref: SecretKeyReference): void {
  if (typeof ref !== 'object' || ref === null) throw propError(scope, field, ref, 'a { secretName, key } reference to a Secret key');
  requireDnsSubdomain(scope, `${field}.secretName`, ref.secretName);
  if (typeof ref.key !== 'string' || ref.key.length > 253 || !SECRET_KEY.test(ref.key)) {
    throw propError(scope, `${field}.key`, ref.key, 'a Secret key (letters, digits, \'-\', \'_\' and \'.\', at most 253 characters)');
  }
}

/** Throws unless every value of a config map is a string, a finite number or a boolean. */
export function requireConfigValues(scope: ErrorScope, field: string, config: Readonly<Record<string, KafkaConfigValue>>): void {
  for (const [key, value] of Object.entries(config)) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok || key.trim() === '') {
      throw propError(scope, `${field}[${show(key)}]`, value, 'a string, number or boolean under a non-empty key');
    }
  }
}
