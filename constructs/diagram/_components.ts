/**
 * What a pod template or operator resource of a stack is, for a diagram: its kind (a Jaeger
 * collector, a Tempo live-store, a tail-sampling collector, an application...), the node it is
 * drawn in (the zones of Tempo's live-store and Jaeger's index jobs are drawn as one), and the lines
 * that describe it. Read from plain manifest JSON: the standard `app.kubernetes.io/*` labels first,
 * else the image and the configuration the pods read.
 */
import { Manifest, Json, isString, list, parseStructured, rec, str } from '../wiring/_json';
import { PodTemplate, StackIndex } from '../wiring/stack-index';
import { collectorSampling, headSampling, jaegerStrategies, tracesPipelines } from './_sampling';

/** What a node of a flow diagram stands for. */
export enum DiagramNodeKind {
  /** Applications outside the stack that may send spans to its entry points (and poll sampling strategies). */
  SPAN_SENDERS = 'span-senders',
  /** An instrumented workload of the stack (its SDK sends spans). */
  APPLICATION = 'application',
  /** Any other workload. */
  WORKLOAD = 'workload',
  /** An ingress controller routing one host of an Ingress. */
  INGRESS = 'ingress',
  /** An OpenTelemetry Collector agent, one per node. */
  OTEL_AGENT = 'otel-agent',
  /** An OpenTelemetry Collector load-balancing spans by trace ID (the `loadbalancing` exporter). */
  OTEL_LOAD_BALANCER = 'otel-load-balancer',
  /** An OpenTelemetry Collector that samples complete traces (`tail_sampling`). */
  OTEL_SAMPLER = 'otel-sampler',
  /** Any other OpenTelemetry Collector (a gateway). */
  OTEL_GATEWAY = 'otel-gateway',
  JAEGER_ALL_IN_ONE = 'jaeger-all-in-one',
  JAEGER_COLLECTOR = 'jaeger-collector',
  JAEGER_INGESTER = 'jaeger-ingester',
  JAEGER_QUERY = 'jaeger-query',
  /** Jaeger's Elasticsearch/OpenSearch index jobs (cleaner, rollover, lookback). */
  JAEGER_INDEX_JOBS = 'jaeger-index-jobs',
  /** A Jaeger Operator `Jaeger` resource (the pods the operator makes from it). */
  JAEGER_OPERATOR_INSTANCE = 'jaeger-operator-instance',
  /** Tempo in one process (`-target=all`). */
  TEMPO = 'tempo',
  TEMPO_DISTRIBUTOR = 'tempo-distributor',
  TEMPO_LIVE_STORE = 'tempo-live-store',
  TEMPO_BLOCK_BUILDER = 'tempo-block-builder',
  TEMPO_QUERIER = 'tempo-querier',
  TEMPO_QUERY_FRONTEND = 'tempo-query-frontend',
  TEMPO_BACKEND_SCHEDULER = 'tempo-backend-scheduler',
  TEMPO_BACKEND_WORKER = 'tempo-backend-worker',
  TEMPO_METRICS_GENERATOR = 'tempo-metrics-generator',
  /** A memberlist gossip ring: every member talks to every other through one headless Service. */
  MEMBERLIST = 'memberlist',
  KAFKA = 'kafka',
  /** An S3, GCS or Azure bucket. */
  OBJECT_STORAGE = 'object-storage',
  /** An Elasticsearch or OpenSearch cluster. */
  SEARCH = 'search',
  /** A Prometheus remote-write endpoint. */
  METRICS_STORE = 'metrics-store',
  /** Grafana, reading the stack's datasources. */
  GRAFANA = 'grafana',
  KUBERNETES_API = 'kubernetes-api',
  /** An endpoint outside the stack that is none of the above (a span receiver of another stack). */
  EXTERNAL = 'external',
  /** An address in the configuration that names nothing known: a wiring error. */
  UNRESOLVED = 'unresolved',
}

/** How each kind is named on its node, before the workload's own description. */
export const KIND_ROLES: Readonly<Record<DiagramNodeKind, string>> = {
  [DiagramNodeKind.SPAN_SENDERS]: 'span senders',
  [DiagramNodeKind.APPLICATION]: 'application',
  [DiagramNodeKind.WORKLOAD]: 'workload',
  [DiagramNodeKind.INGRESS]: 'ingress controller',
  [DiagramNodeKind.OTEL_AGENT]: 'OTel Collector agent',
  [DiagramNodeKind.OTEL_LOAD_BALANCER]: 'OTel Collector, load balancing by trace ID',
  [DiagramNodeKind.OTEL_SAMPLER]: 'OTel Collector, tail sampling',
  [DiagramNodeKind.OTEL_GATEWAY]: 'OTel Collector gateway',
  [DiagramNodeKind.JAEGER_ALL_IN_ONE]: 'Jaeger all-in-one',
  [DiagramNodeKind.JAEGER_COLLECTOR]: 'Jaeger collector',
  [DiagramNodeKind.JAEGER_INGESTER]: 'Jaeger ingester',
  [DiagramNodeKind.JAEGER_QUERY]: 'Jaeger query',
  [DiagramNodeKind.JAEGER_INDEX_JOBS]: 'Jaeger index jobs',
  [DiagramNodeKind.JAEGER_OPERATOR_INSTANCE]: 'Jaeger (Jaeger Operator)',
  [DiagramNodeKind.TEMPO]: 'Tempo (monolithic)',
  [DiagramNodeKind.TEMPO_DISTRIBUTOR]: 'Tempo distributor',
  [DiagramNodeKind.TEMPO_LIVE_STORE]: 'Tempo live-store',
  [DiagramNodeKind.TEMPO_BLOCK_BUILDER]: 'Tempo block-builder',
  [DiagramNodeKind.TEMPO_QUERIER]: 'Tempo querier',
  [DiagramNodeKind.TEMPO_QUERY_FRONTEND]: 'Tempo query-frontend',
  [DiagramNodeKind.TEMPO_BACKEND_SCHEDULER]: 'Tempo backend scheduler',
  [DiagramNodeKind.TEMPO_BACKEND_WORKER]: 'Tempo backend worker',
  [DiagramNodeKind.TEMPO_METRICS_GENERATOR]: 'Tempo metrics-generator',
  [DiagramNodeKind.MEMBERLIST]: 'memberlist ring',
  [DiagramNodeKind.KAFKA]: 'Kafka',
  [DiagramNodeKind.OBJECT_STORAGE]: 'object storage',
  [DiagramNodeKind.SEARCH]: 'Elasticsearch / OpenSearch',
  [DiagramNodeKind.METRICS_STORE]: 'Prometheus remote write',
  [DiagramNodeKind.GRAFANA]: 'Grafana',
  [DiagramNodeKind.KUBERNETES_API]: 'Kubernetes API',
  [DiagramNodeKind.EXTERNAL]: 'outside the stack',
  [DiagramNodeKind.UNRESOLVED]: 'unresolved address',
};

const TEMPO_TARGETS: Readonly<Record<string, DiagramNodeKind>> = {
  'all': DiagramNodeKind.TEMPO,
  'scalable-single-binary': DiagramNodeKind.TEMPO,
  'distributor': DiagramNodeKind.TEMPO_DISTRIBUTOR,
  'live-store': DiagramNodeKind.TEMPO_LIVE_STORE,
  'block-builder': DiagramNodeKind.TEMPO_BLOCK_BUILDER,
  'querier': DiagramNodeKind.TEMPO_QUERIER,
  'query-frontend': DiagramNodeKind.TEMPO_QUERY_FRONTEND,
  'backend-scheduler': DiagramNodeKind.TEMPO_BACKEND_SCHEDULER,
  'backend-worker': DiagramNodeKind.TEMPO_BACKEND_WORKER,
  'metrics-generator': DiagramNodeKind.TEMPO_METRICS_GENERATOR,
};

const JAEGER_COMPONENTS: Readonly<Record<string, DiagramNodeKind>> = {
  'all-in-one': DiagramNodeKind.JAEGER_ALL_IN_ONE,
  'collector': DiagramNodeKind.JAEGER_COLLECTOR,
  'ingester': DiagramNodeKind.JAEGER_INGESTER,
  'query': DiagramNodeKind.JAEGER_QUERY,
};

/** A node made of one or more pod templates (Tempo's live-store zones are one). */
export interface TemplateUnit {
  readonly id: string;
  readonly kind: DiagramNodeKind;
  readonly label: string;
  readonly details: readonly string[];
  readonly sampling?: string;
  readonly namespace: string;
  readonly templates: readonly PodTemplate[];
}

/** The repository of an image, without registry port, tag or digest: `.../tempo`. */
function repositoryName(image: string): string {
  return image.split('@')[0].replace(/:[^/:]*$/, '').split('/').pop() ?? '';
}

function containers(t: PodTemplate): Json[] {
  return list(t.spec.containers).map(rec).filter((c): c is Json => c !== undefined);
}

/** `-target` of a Tempo container, if the template runs Tempo. */
export function tempoTarget(t: PodTemplate): string | undefined {
  for (const c of containers(t)) {
    if (repositoryName(str(c.image) ?? '') !== 'tempo') continue;
    const target = list(c.args).filter(isString).find(a => a.startsWith('-target=') || a.startsWith('--target='));
    return target ? target.slice(target.indexOf('=') + 1) : 'all';
  }
  return undefined;
}

/** The structured documents of the ConfigMaps and Secrets a pod template mounts or takes variables from. */
export function documentsOf(t: PodTemplate, index: StackIndex): Json[] {
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const v of list(t.spec.volumes).map(rec)) {
    const cm = str(rec(v?.configMap)?.name);
    if (cm) names.add(cm);
    const secret = str(rec(v?.secret)?.secretName);
    if (secret) secrets.add(secret);
    for (const s of list(rec(v?.projected)?.sources).map(rec)) {
      const pcm = str(rec(s?.configMap)?.name);
      if (pcm) names.add(pcm);
      const ps = str(rec(s?.secret)?.name);
      if (ps) secrets.add(ps);
    }
  }
  for (const c of containers(t)) {
    for (const e of list(c.envFrom).map(rec)) {
      const cm = str(rec(e?.configMapRef)?.name);
      if (cm) names.add(cm);
    }
  }
  const objects = [
    ...[...names].map(n => index.find('ConfigMap', t.namespace, n)),
    ...[...secrets].map(n => index.find('Secret', t.namespace, n)),
  ].filter((o): o is Manifest => o !== undefined);
  return objects.flatMap(o => Object.values(rec(o.kind === 'Secret' ? o.stringData : o.data) ?? {}))
    .filter(isString)
    .flatMap(text => parseStructured(text) ?? [])
    .map(rec)
    .filter((d): d is Json => d !== undefined);
}

/** Whether a document is an OpenTelemetry Collector configuration with a traces pipeline. */
function isCollectorConfig(doc: Json): boolean {
  return tracesPipelines(doc).length > 0 && rec(doc.receivers) !== undefined;
}

/** The kind of a collector from its configuration (and whether it runs on every node). */
function collectorKind(config: Json | undefined, agent: boolean): DiagramNodeKind {
  if (config) {
    const pipelines = tracesPipelines(config);
    const exporters = pipelines.flatMap(p => list(p.exporters).filter(isString));
    const processors = pipelines.flatMap(p => list(p.processors).filter(isString));
    if (exporters.some(e => e === 'loadbalancing' || e.startsWith('loadbalancing/'))) return DiagramNodeKind.OTEL_LOAD_BALANCER;
    if (processors.some(p => p === 'tail_sampling' || p.startsWith('tail_sampling/'))) return DiagramNodeKind.OTEL_SAMPLER;
  }
  return agent ? DiagramNodeKind.OTEL_AGENT : DiagramNodeKind.OTEL_GATEWAY;
}

/** The SDK environment of a template: its containers' literal variables, then an injected Instrumentation's. */
function sdkEnvironment(t: PodTemplate, index: StackIndex): Record<string, string> {
  const env: Record<string, string> = {};
  for (const inst of injectedInstrumentations(t, index)) {
    const spec = rec(inst.spec) ?? {};
    for (const e of list(spec.env).map(rec)) if (typeof e?.name === 'string' && typeof e.value === 'string') env[e.name] = e.value;
    const sampler = rec(spec.sampler);
    if (sampler && env.OTEL_TRACES_SAMPLER === undefined && typeof sampler.type === 'string') {
      env.OTEL_TRACES_SAMPLER = sampler.type;
      if (typeof sampler.argument === 'string') env.OTEL_TRACES_SAMPLER_ARG = sampler.argument;
    }
    if (typeof rec(spec.exporter)?.endpoint === 'string') env.OTEL_EXPORTER_OTLP_ENDPOINT ??= rec(spec.exporter)!.endpoint as string;
  }
  for (const c of containers(t)) {
    for (const e of list(c.env).map(rec)) if (typeof e?.name === 'string' && typeof e.value === 'string') env[e.name] = e.value;
  }
  return env;
}

const INSTRUMENTATION_ANNOTATION = /^instrumentation\.opentelemetry\.io\/inject-([a-z]+)$/;

/** The `Instrumentation` resources of the stack that the OpenTelemetry Operator injects into `t`. */
function injectedInstrumentations(t: PodTemplate, index: StackIndex): Manifest[] {
  const found: Manifest[] = [];
  for (const [key, value] of Object.entries(t.annotations)) {
    if (!INSTRUMENTATION_ANNOTATION.test(key) || value === 'false') continue;
    if (value === 'true') {
      found.push(...index.objects.filter(o => o.kind === 'Instrumentation' && index.namespaceOf(o) === t.namespace).slice(0, 1));
      continue;
    }
    const [namespace, name] = value.includes('/') ? value.split('/', 2) : [t.namespace, value];
    const o = index.find('Instrumentation', namespace, name);
    if (o) found.push(o);
  }
  return found;
}

/** The languages the OpenTelemetry Operator injects into `t` (`java` for `inject-java`). */
function injectedLanguages(t: PodTemplate): string[] {
  return Object.entries(t.annotations).filter(([k, v]) => INSTRUMENTATION_ANNOTATION.test(k) && v !== 'false').map(([k]) => INSTRUMENTATION_ANNOTATION.exec(k)![1]);
}

/** How a workload runs its pods: `Deployment ×2`, `Deployment ×2-10 (HPA)`, `DaemonSet, one per node`, `CronJob 0 0 * * *`. */
function shapeOf(t: PodTemplate, index: StackIndex): string {
  const o = t.owner;
  const spec = rec(o.spec) ?? {};
  switch (o.kind) {
    case 'DaemonSet': return 'DaemonSet, one per node';
    case 'CronJob': return `CronJob ${str(spec.schedule) ?? ''}`.trim();
    case 'Job': case 'Pod': return o.kind;
    default: {
      const hpa = index.objects.find(h => h.kind === 'HorizontalPodAutoscaler' && index.namespaceOf(h) === t.namespace
        && rec(rec(h.spec)?.scaleTargetRef)?.kind === o.kind && rec(rec(h.spec)?.scaleTargetRef)?.name === o.metadata.name);
      if (hpa) {
        const hs = rec(hpa.spec) ?? {};
        return `${o.kind} ×${typeof hs.minReplicas === 'number' ? hs.minReplicas : 1}-${String(hs.maxReplicas)} (HPA)`;
      }
      return `${o.kind} ×${typeof spec.replicas === 'number' ? spec.replicas : 1}`;
    }
  }
}

/** The kind of a pod template's node. */
function kindOf(t: PodTemplate, index: StackIndex, docs: readonly Json[]): DiagramNodeKind {
  if (t.operator === 'Strimzi') return DiagramNodeKind.KAFKA;
  const name = t.labels['app.kubernetes.io/name'];
  const component = t.labels['app.kubernetes.io/component'] ?? '';
  const target = tempoTarget(t);
  if (target !== undefined) return TEMPO_TARGETS[target] ?? DiagramNodeKind.TEMPO;
  const images = containers(t).map(c => repositoryName(str(c.image) ?? ''));
  const isJaeger = name === 'jaeger' || images.some(i => i === 'jaeger' || i.startsWith('jaeger-') || i === 'all-in-one');
  if (isJaeger) {
    if (component.startsWith('es-') || images.some(i => i.startsWith('jaeger-es-'))) return DiagramNodeKind.JAEGER_INDEX_JOBS;
    return JAEGER_COMPONENTS[component] ?? (images.includes('all-in-one') ? DiagramNodeKind.JAEGER_ALL_IN_ONE : DiagramNodeKind.JAEGER_COLLECTOR);
  }
  const isCollector = name === 'opentelemetry-collector' || images.some(i => i.startsWith('opentelemetry-collector') || i.startsWith('otelcol'));
  if (isCollector) return collectorKind(docs.find(isCollectorConfig), t.owner.kind === 'DaemonSet' || component === 'agent');
  const env = sdkEnvironment(t, index);
  if (Object.keys(env).some(k => k.startsWith('OTEL_')) || injectedLanguages(t).length > 0) return DiagramNodeKind.APPLICATION;
  return DiagramNodeKind.WORKLOAD;
}

/**
 * The grouping of a template: Tempo's live-stores of every zone are one node (`tempo-live-store`,
 * from `tempo-live-store-<zone>`), Jaeger's index jobs one (`jaeger-es`, the jobs' common prefix).
 */
function groupOf(t: PodTemplate, kind: DiagramNodeKind): { key: string; zone?: string } | undefined {
  const name = t.owner.metadata.name;
  const component = t.labels['app.kubernetes.io/component'] ?? '';
  if (kind === DiagramNodeKind.TEMPO_LIVE_STORE && component.startsWith('live-store-')) {
    const zone = component.slice('live-store-'.length);
    if (name.endsWith(`-${zone}`)) return { key: name.slice(0, -zone.length - 1), zone };
  }
  if (kind === DiagramNodeKind.JAEGER_INDEX_JOBS) {
    const at = name.indexOf('-es-');
    if (at >= 0) return { key: name.slice(0, at + 3) };
  }
  return undefined;
}

/** The nodes of a stack's pod templates, each template in exactly one. */
export function templateUnits(index: StackIndex): TemplateUnit[] {
  const groups = new Map<string, Array<{ t: PodTemplate; kind: DiagramNodeKind; zone?: string; docs: Json[] }>>();
  for (const t of index.templates) {
    const docs = documentsOf(t, index);
    const kind = kindOf(t, index, docs);
    const group = groupOf(t, kind);
    const key = `${t.namespace}/${kind}/${group?.key ?? `${t.owner.kind}/${t.owner.metadata.name}`}`;
    const members = groups.get(key) ?? [];
    members.push({ t, kind, zone: group?.zone, docs });
    groups.set(key, members);
  }
  const units: TemplateUnit[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    const kind = first.kind;
    const group = groupOf(first.t, kind);
    const grouped = members.length > 1 && group !== undefined;
    const id = grouped ? group.key : first.t.owner.metadata.name;
    const zones = members.map(m => m.zone).filter(isString);
    const label = grouped && zones.length === 0 ? `${group.key}-*` : id;
    const details: string[] = [roleOf(first.t, kind)];
    const shapes = members.map(m => shapeOf(m.t, index));
    if (grouped && zones.length === members.length && new Set(shapes).size === 1) {
      details.push(`${shapes[0]} in each zone:`, zones.join(', '));
    } else if (grouped) {
      // `CronJob index-cleaner 55 23 * * *` for jaeger-es-index-cleaner.
      details.push(...members.map((m, i) => {
        const [workloadKind, ...rest] = shapes[i].split(' ');
        return [workloadKind, m.t.owner.metadata.name.slice(group.key.length + 1), ...rest].join(' ');
      }));
    } else if (!first.t.operator) {
      details.push(shapes[0]);
    }
    details.push(...extraDetails(first.t, kind, index));
    units.push({
      id, kind, label, details, namespace: first.t.namespace, templates: members.map(m => m.t),
      sampling: samplingOf(first.t, kind, index, first.docs),
    });
  }
  // Ids must be unique: a Deployment and a Job of one name get their kinds.
  const counts = new Map<string, number>();
  for (const u of units) counts.set(u.id, (counts.get(u.id) ?? 0) + 1);
  return units.map(u => (counts.get(u.id)! > 1 ? { ...u, id: `${u.templates[0].owner.kind}/${u.id}`.toLowerCase() } : u));
}

/** The first line of a node: its role, with the languages an operator injects into an application. */
function roleOf(t: PodTemplate, kind: DiagramNodeKind): string {
  const languages = injectedLanguages(t);
  if (kind === DiagramNodeKind.APPLICATION && languages.length > 0) return `application, ${languages.join(', ')} agent injected by the OTel Operator`;
  return KIND_ROLES[kind];
}

/** More lines: Kafka's topics. */
function extraDetails(t: PodTemplate, kind: DiagramNodeKind, index: StackIndex): string[] {
  if (kind !== DiagramNodeKind.KAFKA || !t.operator) return [];
  const cluster = t.owner.metadata.name;
  const ofCluster = (o: Manifest) => index.namespaceOf(o) === t.namespace && o.metadata.labels?.['strimzi.io/cluster'] === cluster;
  const brokers = index.objects.filter(o => o.kind === 'KafkaNodePool' && ofCluster(o) && list(rec(o.spec)?.roles).includes('broker'))
    .reduce((n, o) => n + (typeof rec(o.spec)?.replicas === 'number' ? rec(o.spec)!.replicas as number : 0), 0);
  const topics = index.objects.filter(o => o.kind === 'KafkaTopic' && ofCluster(o)).map(o => {
    const spec = rec(o.spec) ?? {};
    return `topic ${str(spec.topicName) ?? o.metadata.name}: ${String(spec.partitions)} partitions, RF ${String(spec.replicas)}`;
  });
  return [`${brokers > 0 ? `${brokers} brokers, ` : ''}made by ${t.operator}`, ...topics];
}

/** The sampling a template's pods apply. */
function samplingOf(t: PodTemplate, kind: DiagramNodeKind, index: StackIndex, docs: Json[]): string | undefined {
  switch (kind) {
    case DiagramNodeKind.APPLICATION: {
      const env = sdkEnvironment(t, index);
      return headSampling(env.OTEL_TRACES_SAMPLER, env.OTEL_TRACES_SAMPLER_ARG) ?? 'SDK head: parentbased_always_on (the default)';
    }
    case DiagramNodeKind.OTEL_AGENT: case DiagramNodeKind.OTEL_GATEWAY: case DiagramNodeKind.OTEL_LOAD_BALANCER: case DiagramNodeKind.OTEL_SAMPLER: {
      const config = docs.find(isCollectorConfig);
      return config ? collectorSampling(config) : undefined;
    }
    case DiagramNodeKind.JAEGER_ALL_IN_ONE: case DiagramNodeKind.JAEGER_COLLECTOR: {
      const serves = docs.some(d => rec(rec(d.extensions)?.remote_sampling) !== undefined);
      const adaptive = docs.map(d => rec(rec(rec(d.extensions)?.remote_sampling)?.adaptive)).find(a => a !== undefined);
      if (adaptive) return `remote strategies: adaptive, ${String(adaptive.target_samples_per_second ?? 1)} traces/s per operation`;
      const strategies = docs.find(d => rec(d.default_strategy) !== undefined || Array.isArray(d.service_strategies));
      return serves && strategies ? jaegerStrategies(strategies) : undefined;
    }
    default:
      return undefined;
  }
}

/** The node of an operator's resource of the stack (a `Jaeger`, an `OpenTelemetryCollector`), if it makes pods. */
export function operatorUnit(o: Manifest, index: StackIndex): Omit<TemplateUnit, 'templates'> | undefined {
  const spec = rec(o.spec) ?? {};
  const namespace = index.namespaceOf(o);
  if (o.kind === 'Jaeger' && o.apiVersion.startsWith('jaegertracing.io/')) {
    const options = rec(rec(spec.sampling)?.options);
    const strategy = str(spec.strategy) ?? 'allInOne';
    const storage = str(rec(spec.storage)?.type);
    return {
      id: o.metadata.name, kind: DiagramNodeKind.JAEGER_OPERATOR_INSTANCE, label: o.metadata.name, namespace,
      details: [KIND_ROLES[DiagramNodeKind.JAEGER_OPERATOR_INSTANCE], `strategy ${strategy}${storage ? `, ${storage} storage` : ''}`],
      sampling: options ? jaegerStrategies(options) : undefined,
    };
  }
  if (o.kind === 'OpenTelemetryCollector' && o.apiVersion.startsWith('opentelemetry.io/')) {
    const config = rec(spec.config) ?? (typeof spec.config === 'string' ? rec(parseStructured(spec.config)?.[0]) : undefined);
    const mode = str(spec.mode) ?? 'deployment';
    const kind = collectorKind(config, mode === 'daemonset');
    const replicas = mode === 'daemonset' ? 'one per node' : `×${typeof spec.replicas === 'number' ? spec.replicas : 1}`;
    return {
      id: o.metadata.name, kind, label: o.metadata.name, namespace,
      details: [`${KIND_ROLES[kind]} (OTel Operator)`, `OpenTelemetryCollector, ${mode} ${replicas}`],
      sampling: config ? collectorSampling(config) : undefined,
    };
  }
  return undefined;
}

/** The OTLP receiving ports of an operator resource, as `[name, port]`: what applications send to. */
export function operatorEntryPorts(o: Manifest): Array<[string, number]> {
  if (o.kind === 'Jaeger') return [['otlp-grpc', 4317], ['otlp-http', 4318]];
  const spec = rec(o.spec) ?? {};
  const config = rec(spec.config) ?? (typeof spec.config === 'string' ? rec(parseStructured(spec.config)?.[0]) : undefined);
  const protocols = rec(rec(rec(config?.receivers)?.otlp)?.protocols) ?? {};
  const port = (p: Json | undefined, fallback: number) => {
    const m = /:(\d+)$/.exec(str(p?.endpoint) ?? '');
    return m ? Number(m[1]) : fallback;
  };
  const out: Array<[string, number]> = [];
  if ('grpc' in protocols) out.push(['otlp-grpc', port(rec(protocols.grpc), 4317)]);
  if ('http' in protocols) out.push(['otlp-http', port(rec(protocols.http), 4318)]);
  return out;
}

/** The Service names an operator makes for a resource (`<name>-collector`, `-collector-headless`, `-query`). */
export function operatorServiceNames(o: Manifest): string[] {
  const name = o.metadata.name;
  if (o.kind === 'Jaeger') return [`${name}-collector`, `${name}-collector-headless`, `${name}-query`];
  if (o.kind === 'OpenTelemetryCollector') return [`${name}-collector`, `${name}-collector-headless`];
  return [];
}

