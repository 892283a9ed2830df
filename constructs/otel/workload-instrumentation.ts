import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { isPlusWorkload } from '../_cdk8s-values';
import { ErrorScope, propError, requireOneOf } from '../_errors';
import { declareEndpointFrom } from '../prerequisites';
import { ISpanReceiver } from '../ingress/tracing-ingress';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { HeadSampler } from '../sampling/head-sampler';
import { SamplingPolicy } from '../sampling/sampling-policy';
import { requireEntryTier } from './_entry-tier';
import { podTemplatePointer, valueAt } from './_pod-template';

/** A context propagator, as `OTEL_PROPAGATORS` spells it. */
export enum Propagator {
  /** W3C Trace Context (`traceparent`). */
  TRACE_CONTEXT = 'tracecontext',
  /** W3C Baggage. */
  BAGGAGE = 'baggage',
  /** B3 single header (Zipkin). */
  B3 = 'b3',
  /** B3 multiple headers (Zipkin). */
  B3_MULTI = 'b3multi',
  /** Jaeger's `uber-trace-id` (for services still on Jaeger clients). */
  JAEGER = 'jaeger',
  /** AWS X-Ray. */
  XRAY = 'xray',
}

/** A workload {@link instrumentWorkload} can wire: a cdk8s-plus workload, or a raw Kubernetes object with a pod template. */
export type InstrumentableWorkload = plus.AbstractPod | k8s.KubeDeployment | k8s.KubeStatefulSet | k8s.KubeDaemonSet | k8s.KubeJob | k8s.KubeCronJob;

/** Options of {@link instrumentWorkload}. */
export interface WorkloadInstrumentationOptions {
  /** Where the SDK sends spans: an agent, a gateway, or a backend construct. */
  readonly exportTo: ISpanReceiver;
  /**
   * OTLP transport of the SDK (`OTEL_EXPORTER_OTLP_PROTOCOL`).
   * @default SpanProtocol.OTLP_HTTP (`http/protobuf` on 4318, the SDK default)
   */
  readonly protocol?: SpanProtocol.OTLP_HTTP | SpanProtocol.OTLP_GRPC;
  /**
   * `OTEL_SERVICE_NAME`.
   * @default - the name the workload was given: for a cdk8s-plus workload its `metadata.name` when
   * set explicitly, else its construct id (lower-cased, characters other than letters, digits, `.`,
   * `_` and `-` replaced by `-`), never the generated object name with its hash; for a raw
   * Kubernetes object its `metadata.name`
   */
  readonly serviceName?: string;
  /**
   * The head sampler, directly or from a sampling policy.
   * @default - parentbased_always_on (the SDK default, stated)
   */
  readonly sampling?: SamplingPolicy | HeadSampler;
  /**
   * `OTEL_PROPAGATORS`.
   * @default [Propagator.TRACE_CONTEXT, Propagator.BAGGAGE]
   */
  readonly propagators?: Propagator[];
  /**
   * More resource attributes (`service.version`, `deployment.environment.name`, ...). Keys and values
   * may not contain `,`, `=`, `%` or whitespace.
   * @default - only the Kubernetes namespace, pod, node and container
   */
  readonly resourceAttributes?: Record<string, string>;
  /**
   * Headers the SDK sends with every export (`OTEL_EXPORTER_OTLP_HEADERS`), for instance the
   * `X-Scope-OrgID` tenant of a multitenant Tempo. Keys and values as for `resourceAttributes`.
   * @default - none
   */
  readonly headers?: Record<string, string>;
  /**
   * Names of the containers to instrument.
   * @default - every (non-init) container
   */
  readonly containers?: string[];
  /**
   * Leave the SDK's metrics and logs exporters on (they would send OTLP metrics and logs to
   * `exportTo`, which only has a traces pipeline).
   * @default false (`OTEL_METRICS_EXPORTER=none`, `OTEL_LOGS_EXPORTER=none`)
   */
  readonly exportMetricsAndLogs?: boolean;
}

const SAFE = /^[A-Za-z0-9._\-:/@+]+$/;

/** The downward-API variables the resource attributes refer to, defined first so that `$(...)` expands. */
const DOWNWARD: ReadonlyArray<{ name: string; fieldPath: string; attribute: string }> = [
  { name: 'OTEL_RESOURCE_ATTRIBUTES_NAMESPACE', fieldPath: 'metadata.namespace', attribute: 'k8s.namespace.name' },
  { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', fieldPath: 'metadata.name', attribute: 'k8s.pod.name' },
  { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_UID', fieldPath: 'metadata.uid', attribute: 'k8s.pod.uid' },
  { name: 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', fieldPath: 'spec.nodeName', attribute: 'k8s.node.name' },
];

/**
 * Wires an existing workload's containers to the tracing stack in one call, with the standard
 * OpenTelemetry SDK environment variables: `OTEL_EXPORTER_OTLP_ENDPOINT` and `_PROTOCOL` (from the
 * `exportTo` construct), `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` (Kubernetes namespace, pod,
 * node and container through the downward API), `OTEL_PROPAGATORS` and the head sampler
 * (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
 *
 * Works on cdk8s-plus workloads (`Deployment`, `StatefulSet`, `DaemonSet`, `Job`, ...) and on raw
 * `KubeDeployment`, `KubeStatefulSet`, `KubeDaemonSet`, `KubeJob` and `KubeCronJob` objects (through
 * JSON patches). A variable the container already sets is an error, not silently replaced.
 *
 * ```ts
 * instrumentWorkload(deployment, { exportTo: agent, sampling: policy, resourceAttributes: { 'service.version': '1.4.2' } });
 * ```
 *
 * @returns the variables added to each instrumented container
 */
export function instrumentWorkload(workload: InstrumentableWorkload, options: WorkloadInstrumentationOptions): k8s.EnvVar[] {
  const target = describe(workload);
  const scope: ErrorScope = workload;
  const env = sdkEnv(scope, target.name, options);
  const wanted = options.containers;
  const names = target.containers.map(c => c.name);
  if (wanted !== undefined && wanted.length === 0) {
    throw propError(scope, 'containers', wanted, 'a non-empty list of container names (omit it to instrument every container)');
  }
  wanted?.forEach((n, i) => {
    if (!names.includes(n)) throw propError(scope, `containers[${i}]`, n, `the name of one of the workload's containers: ${names.join(', ')}`);
  });
  const chosen = target.containers.filter(c => !wanted || wanted.includes(c.name));
  if (chosen.length === 0) throw propError(scope, 'containers', names, 'a workload with at least one container');
  for (const c of chosen) {
    const withContainer = env.map(v => v.name === 'OTEL_RESOURCE_ATTRIBUTES' ? { ...v, value: `${v.value},k8s.container.name=${c.name}` } : v);
    for (const v of withContainer) {
      if (c.existing.includes(v.name)) {
        throw propError(scope, `containers.${c.name}.env.${v.name}`, 'already set', 'unset: instrumentWorkload sets it (remove it, or pass the value through options)');
      }
    }
    c.add(withContainer);
  }
  return env;
}

/**
 * The SDK variables for `serviceName`, without the container attribute. Shared with
 * {@link OperatorInstrumentation}, which renders the same choices as an `Instrumentation` CR.
 */
export function sdkEnv(scope: ErrorScope, defaultServiceName: string, o: WorkloadInstrumentationOptions): k8s.EnvVar[] {
  if (!o || !o.exportTo || typeof o.exportTo.spanEndpoint !== 'function') {
    throw propError(scope, 'exportTo', o?.exportTo, 'a construct that receives spans (OtelCollector, TailSamplingGateway, JaegerCollector, TempoMonolithic, ...)');
  }
  requireEntryTier(scope, 'exportTo', o.exportTo);
  const protocol = o.protocol ?? SpanProtocol.OTLP_HTTP;
  requireOneOf(scope, 'protocol', protocol, [SpanProtocol.OTLP_HTTP, SpanProtocol.OTLP_GRPC]);
  const headers = keyValueList(scope, 'headers', o.headers,
    'a header name and value of letters, digits and ._-:/@+ (OTEL_EXPORTER_OTLP_HEADERS is a comma-separated key=value list)');
  const tenantHeader = o.exportTo.tenantHeader;
  if (tenantHeader && !headers.some(([k]) => k.toLowerCase() === tenantHeader.toLowerCase())) {
    throw propError(scope, 'headers', o.headers ?? {}, `a '${tenantHeader}' header: the receiver is multitenant and refuses spans without a tenant`);
  }
  const endpoint = o.exportTo.spanEndpoint(protocol);
  declareEndpointFrom(scope, o.exportTo, endpoint, 'SDK exports spans to');
  const serviceName = o.serviceName ?? defaultServiceName;
  if (typeof serviceName !== 'string' || !SAFE.test(serviceName)) {
    throw propError(scope, 'serviceName', serviceName, 'a service name of letters, digits and ._-:/@+ (no spaces, commas or "=")');
  }
  const propagators = o.propagators ?? [Propagator.TRACE_CONTEXT, Propagator.BAGGAGE];
  if (!Array.isArray(propagators) || propagators.length === 0 || new Set(propagators).size !== propagators.length
    || propagators.some(p => !Object.values(Propagator).includes(p))) {
    throw propError(scope, 'propagators', propagators, `a non-empty list of distinct propagators from ${Object.values(Propagator).join(', ')}`);
  }
  const head = o.sampling === undefined ? HeadSampler.parentBasedAlwaysOn()
    : o.sampling instanceof SamplingPolicy ? o.sampling.head
      : HeadSampler.isHeadSampler(o.sampling) ? o.sampling : undefined;
  if (!head) throw propError(scope, 'sampling', o.sampling, 'a SamplingPolicy or a HeadSampler');
  if (head.remote) {
    const r = head.remote;
    declareEndpointFrom(scope, r.source, r.protocol === 'grpc' ? r.source.samplingGrpcEndpoint : r.source.samplingEndpoint, 'SDK polls sampling strategies from');
  }
  const extra = keyValueList(scope, 'resourceAttributes', o.resourceAttributes,
    'a key and value of letters, digits and ._-:/@+ (OTEL_RESOURCE_ATTRIBUTES is a comma-separated key=value list)');
  for (const [k, v] of extra) {
    if (DOWNWARD.some(d => d.attribute === k) || k === 'k8s.container.name' || k === 'service.name') {
      throw propError(scope, `resourceAttributes.${k}`, v, 'an attribute other than service.name and the Kubernetes ones that are set from the pod');
    }
  }
  const attributes = [...DOWNWARD.map(d => `${d.attribute}=$(${d.name})`), ...extra.map(([k, v]) => `${k}=${v}`)].join(',');
  return [
    ...DOWNWARD.map(d => ({ name: d.name, valueFrom: { fieldRef: { fieldPath: d.fieldPath } } })),
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: attributes },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint.url('http') },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: protocol === SpanProtocol.OTLP_GRPC ? 'grpc' : 'http/protobuf' },
    ...(headers.length ? [{ name: 'OTEL_EXPORTER_OTLP_HEADERS', value: headers.map(([k, v]) => `${k}=${v}`).join(',') }] : []),
    { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
    ...(o.exportMetricsAndLogs ? [] : [{ name: 'OTEL_METRICS_EXPORTER', value: 'none' }, { name: 'OTEL_LOGS_EXPORTER', value: 'none' }]),
    { name: 'OTEL_PROPAGATORS', value: propagators.join(',') },
    ...head.toEnv(),
  ];
}

/**
 * The entries of a record rendered into a comma-separated `key=value` variable, each key and value
 * checked to need no escaping; `allowed` says so in the error.
 */
function keyValueList(scope: ErrorScope, field: string, record: Record<string, string> | undefined, allowed: string): Array<[string, string]> {
  const entries = Object.entries(record ?? {});
  for (const [k, v] of entries) {
    if (!SAFE.test(k) || typeof v !== 'string' || !SAFE.test(v)) throw propError(scope, `${field}.${k}`, v, allowed);
  }
  return entries;
}

/** One container of a workload, and how to add variables to it. */
interface ContainerHandle {
  readonly name: string;
  readonly existing: string[];
  add(vars: k8s.EnvVar[]): void;
}

/**
 * The name the user gave a cdk8s-plus workload: `metadata.name` when set explicitly, otherwise the
 * construct id, not the object name the chart generated from the path (`shop-orders-c848ac5c`).
 * cdk8s keeps no record of an explicit name, so a name equal to what the chart generates counts as
 * generated.
 */
function givenName(workload: plus.AbstractPod): string {
  const resource = ApiObject.of(workload);
  if (workload.name !== Chart.of(resource).generateObjectName(resource)) return workload.name;
  const id = workload.node.id.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return id || workload.name;
}

/** The name and containers of a workload, whichever API it was built with. */
function describe(workload: InstrumentableWorkload): { name: string; containers: ContainerHandle[] } {
  if (isPlusWorkload(workload)) {
    return {
      name: givenName(workload),
      containers: workload.containers.map(c => ({
        name: c.name,
        existing: Object.keys(c.env.variables),
        add: vars => vars.forEach(v => c.env.addVariable(v.name, v.valueFrom?.fieldRef
          ? plus.EnvValue.fromFieldRef(v.valueFrom.fieldRef.fieldPath as plus.EnvFieldPaths)
          : plus.EnvValue.fromValue(v.value ?? ''))),
      })),
    };
  }
  if (!ApiObject.isApiObject(workload)) {
    throw propError('instrumentWorkload', 'workload', String(workload), 'a cdk8s-plus workload or a KubeDeployment, KubeStatefulSet, KubeDaemonSet, KubeJob or KubeCronJob');
  }
  const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
  if (!kinds.includes(workload.kind)) throw propError(workload as IConstruct, 'workload', workload.kind, `one of ${kinds.join(', ')}`);
  const base = `${podTemplatePointer(workload)}/spec/containers`;
  const containers = valueAt<k8s.Container[]>(workload, base) ?? [];
  return {
    name: workload.name,
    containers: containers.map((c, i) => ({
      name: c.name,
      existing: (c.env ?? []).map(v => v.name),
      add: vars => {
        if (!c.env) {
          workload.addJsonPatch(JsonPatch.add(`${base}/${i}/env`, vars));
        } else {
          vars.forEach(v => workload.addJsonPatch(JsonPatch.add(`${base}/${i}/env/-`, v)));
        }
      },
    })),
  };
}
