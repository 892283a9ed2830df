import { Duration } from 'cdk8s';
import { ErrorScope, propError, requireInteger } from '../_errors';
import { goDuration, TempoTenantOverridesConfig } from './tempo-config';

/** Metrics-generator processors a tenant can have (Tempo 3.0). */
export enum MetricsGeneratorProcessor {
  /** Service graph metrics (`traces_service_graph_*`): the service map. */
  SERVICE_GRAPHS = 'service-graphs',
  /** RED metrics per span (`traces_spanmetrics_*`): request rate, errors, latency. */
  SPAN_METRICS = 'span-metrics',
  /** Only the call counts of span metrics. */
  SPAN_METRICS_COUNT = 'span-metrics-count',
  /** Only the latency histograms of span metrics. */
  SPAN_METRICS_LATENCY = 'span-metrics-latency',
  /** Only the size metrics of span metrics. */
  SPAN_METRICS_SIZE = 'span-metrics-size',
  /** `traces_host_info`. */
  HOST_INFO = 'host-info',
}

/** Limits of one tenant (or of every tenant, as defaults). Unset fields keep Tempo's defaults. */
export interface TenantOverrides {
  /** Ingestion rate limit, bytes per second. @default - Tempo's (30 MB/s in 3.0) */
  readonly ingestionRateLimitBytes?: number;
  /** Ingestion burst, bytes. @default - Tempo's (30 MB in 3.0) */
  readonly ingestionBurstSizeBytes?: number;
  /** Live traces per tenant and live-store. @default - Tempo's (10000) */
  readonly maxTracesPerUser?: number;
  /** Largest trace, bytes; bigger traces are refused. @default - Tempo's (5 MB) */
  readonly maxBytesPerTrace?: number;
  /** How long this tenant's blocks are kept. @default - the global retention */
  readonly retention?: Duration;
  /** Longest time range one search may cover. @default - the query-frontend's (168h) */
  readonly maxSearchDuration?: Duration;
  /** Metrics-generator processors for this tenant. @default - none (no metrics) */
  readonly metricsGeneratorProcessors?: MetricsGeneratorProcessor[];
}

const KNOWN: ReadonlyArray<keyof TenantOverrides> = [
  'ingestionRateLimitBytes', 'ingestionBurstSizeBytes', 'maxTracesPerUser', 'maxBytesPerTrace', 'retention', 'maxSearchDuration', 'metricsGeneratorProcessors',
];

/** Tenant IDs as Tempo accepts them (the `X-Scope-OrgID` header). */
const TENANT_ID = /^[a-zA-Z0-9!._*'()-]{1,150}$/;

/** The tenant ID Tempo uses when multitenancy is off. */
export const SINGLE_TENANT = 'single-tenant';

/** Throws unless `id` is a tenant ID Tempo accepts. */
export function requireTenantId(scope: ErrorScope, field: string, id: string): void {
  if (typeof id !== 'string' || !TENANT_ID.test(id) || id === '.' || id === '..') {
    throw propError(scope, field, id, 'a tenant ID of 1 to 150 characters from letters, digits and ! - _ . * \' ( ) (not "." or "..")');
  }
}

/** Validates one tenant's overrides and renders them in Tempo's scoped overrides format. */
export function renderTenantOverrides(scope: ErrorScope, field: string, o: TenantOverrides, minRetention: Duration): TempoTenantOverridesConfig {
  for (const key of Object.keys(o)) {
    if (!(KNOWN as string[]).includes(key)) throw propError(scope, `${field}.${key}`, key, `one of the known overrides: ${KNOWN.join(', ')}`);
  }
  const positive = (name: keyof TenantOverrides, v: number | undefined) => {
    if (v !== undefined) requireInteger(scope, `${field}.${name}`, v, 1);
  };
  positive('ingestionRateLimitBytes', o.ingestionRateLimitBytes);
  positive('ingestionBurstSizeBytes', o.ingestionBurstSizeBytes);
  positive('maxTracesPerUser', o.maxTracesPerUser);
  positive('maxBytesPerTrace', o.maxBytesPerTrace);
  if (o.ingestionRateLimitBytes !== undefined && o.ingestionBurstSizeBytes !== undefined && o.ingestionBurstSizeBytes < o.ingestionRateLimitBytes) {
    throw propError(scope, `${field}.ingestionBurstSizeBytes`, o.ingestionBurstSizeBytes, `at least ingestionRateLimitBytes (${o.ingestionRateLimitBytes})`);
  }
  if (o.retention !== undefined && o.retention.toSeconds() < minRetention.toSeconds()) {
    throw propError(scope, `${field}.retention`, `${o.retention.toSeconds()}s`, `at least ${goDuration(minRetention.toSeconds())}: blocks are cut and flushed over that long, a shorter retention deletes data still being written`);
  }
  if (o.maxSearchDuration !== undefined && !(o.maxSearchDuration.toSeconds() >= 60)) {
    throw propError(scope, `${field}.maxSearchDuration`, `${o.maxSearchDuration.toSeconds()}s`, 'at least 1 minute');
  }
  const processors = o.metricsGeneratorProcessors;
  if (processors !== undefined) {
    const allowed = Object.values(MetricsGeneratorProcessor) as string[];
    processors.forEach((p, i) => {
      if (!allowed.includes(p)) throw propError(scope, `${field}.metricsGeneratorProcessors[${i}]`, p, `one of ${allowed.join(', ')}`);
    });
    if (new Set(processors).size !== processors.length) throw propError(scope, `${field}.metricsGeneratorProcessors`, processors, 'a list without duplicates');
  }
  const ingestion = {
    ...(o.ingestionRateLimitBytes !== undefined ? { rate_limit_bytes: o.ingestionRateLimitBytes } : {}),
    ...(o.ingestionBurstSizeBytes !== undefined ? { burst_size_bytes: o.ingestionBurstSizeBytes } : {}),
    ...(o.maxTracesPerUser !== undefined ? { max_traces_per_user: o.maxTracesPerUser } : {}),
  };
  return {
    ...(Object.keys(ingestion).length ? { ingestion } : {}),
    ...(o.maxSearchDuration !== undefined ? { read: { max_search_duration: goDuration(o.maxSearchDuration.toSeconds()) } } : {}),
    ...(o.retention !== undefined ? { compaction: { block_retention: goDuration(o.retention.toSeconds()) } } : {}),
    ...(processors !== undefined ? { metrics_generator: { processors: [...processors] } } : {}),
    ...(o.maxBytesPerTrace !== undefined ? { global: { max_bytes_per_trace: o.maxBytesPerTrace } } : {}),
  };
}
