/**
 * The graph of network flows of one stack (a chart's synthesized manifests): who connects to which
 * Service port, and through it to which pod templates and container ports, over which protocol; what
 * leaves the stack for a declared endpoint; which pods call the Kubernetes API. Pure functions over
 * plain manifest JSON, read the way the programs read them:
 *
 * - every address in what a pod reads (container `command`, `args`, `env` values; the ConfigMaps
 *   and Secrets it mounts or takes variables from; the OpenTelemetry Operator `Instrumentation`
 *   injected into it) is a connection from that pod; an address in a ConfigMap or Secret that no
 *   pod of the stack reads (a Grafana datasource) is one from whoever reads it outside the stack;
 *   an address in an operator's custom resource is one from the pods the operator makes;
 * - a Tempo process reads only the sections of the shared configuration that its `-target` uses
 *   (Tempo 3.0.3 modules: a query-frontend does not dial Kafka, a distributor not the bucket), and
 *   a querier reaches every live-store at its ring address (the pod, gRPC port);
 * - the `loadbalancing` exporter's `k8s` resolver reaches the pods of the Service it watches on the
 *   ports it lists, and it and the `k8sattributes` processor call the Kubernetes API, as does any pod
 *   that mounts its ServiceAccount token;
 * - an Ingress is a connection from the ingress controller to its backends;
 * - an address that names no Service of the stack and matches a declared endpoint
 *   (`Prerequisites`) leaves the stack; Tempo's object storage hosts are derived from its
 *   `storage` section (bucket endpoints are written there without a port, or not at all).
 *
 * The test suite's wiring check reads the same addresses (through {@link StackIndex}); the
 * network policies are generated from this graph.
 */
import { findAddresses, isBindOrLoopback } from './_addresses';
import { escapePointer, isString, Json, list, Manifest, parseStructured, rec, str, walkStrings } from './_json';
import { ContainerPort, PodTemplate, servingPorts, StackIndex, StackIndexOptions } from './stack-index';

/** Options of {@link FlowGraph.of}. */
export interface FlowGraphOptions extends StackIndexOptions {
  /**
   * Endpoints outside the stack that its configuration uses, as `host:port` (the chart's
   * `Prerequisites` endpoints). A leading `*.` matches any subdomain.
   * @default - none: every address must name a Service of the stack
   */
  readonly externalEndpoints?: readonly string[];
}

/** Who opens a connection. */
export type FlowSource =
  /** A pod of the stack. */
  | { readonly kind: 'pod'; readonly template: PodTemplate }
  /** The pods an operator makes from a custom resource of the stack (its labels are the operator's). */
  | { readonly kind: 'operator'; readonly object: Manifest }
  /** The ingress controller serving an Ingress of the stack. */
  | { readonly kind: 'ingress-controller'; readonly object: Manifest }
  /** Whoever reads a ConfigMap or Secret that no pod of the stack reads (Grafana, for its datasources). */
  | { readonly kind: 'config-reader'; readonly object: Manifest };

/** Where the graph read a flow. */
export interface FlowOrigin {
  /** The object holding the text: a ConfigMap, a workload, an Ingress, a custom resource. */
  readonly object: Manifest;
  /** JSON pointer in the object (`/data/config.yaml#/exporters/otlp/endpoint`). */
  readonly path: string;
  /** The address or what stands for it (`dns:///tempo-distributor-headless.tempo.svc:4317`). */
  readonly text: string;
}

/** A connection to a pod of the stack. */
export interface PodFlow {
  readonly source: FlowSource;
  readonly origin: FlowOrigin;
  /** An address naming a Service, an Ingress backend, a load balancer's resolver, or a Tempo ring. */
  readonly via: 'address' | 'ingress' | 'resolver' | 'ring';
  /** The Service dialled, when there is one. */
  readonly service?: { readonly name: string; readonly namespace: string; readonly port: number };
  readonly target: PodTemplate;
  /** The container port the connection reaches. */
  readonly port: number;
  readonly protocol: string;
}

/** A connection that leaves the stack for a declared endpoint. */
export interface ExternalFlow {
  readonly source: FlowSource;
  readonly origin: FlowOrigin;
  /** Lower-case host, as written. */
  readonly host: string;
  readonly port: number;
  readonly protocol: 'TCP';
  /** The declared endpoint it matches (`host:port`, or `*.domain:port`). */
  readonly endpoint: string;
}

/** A pod of the stack that calls the Kubernetes API. */
export interface KubernetesApiUse {
  readonly template: PodTemplate;
  /** Why: the component that does, or the mounted token. */
  readonly reason: string;
}

/** An address that names nothing the graph knows: a wiring error. */
export interface UnresolvedAddress {
  readonly source: FlowSource;
  readonly origin: FlowOrigin;
  readonly host: string;
  readonly port: number;
}

/** A pod template and container port a Service port leads to. */
export interface FlowTarget {
  readonly template: PodTemplate;
  readonly port: number;
  readonly protocol: string;
}

/** Where one string was read, and how to filter it. */
interface Input {
  readonly origin: Manifest;
  readonly path: string;
  readonly text: string;
}

/** A parsed configuration document a pod reads. */
interface Document {
  readonly origin: Manifest;
  /** JSON pointer of the document (`/data/tempo.yaml#`). */
  readonly path: string;
  readonly doc: Json;
}

const INSTRUMENTATION_ANNOTATION = /^instrumentation\.opentelemetry\.io\/inject-[a-z]+$/;
const OPERATOR_KINDS = new Set(['OpenTelemetryCollector', 'Instrumentation', 'Jaeger']);

/**
 * Tempo 3.0.3, microservices: the configuration sections each `-target` reads that can hold an
 * address (cmd/tempo/app/modules.go: the modules each target depends on). `memberlist` only where
 * the target joins a ring; `storage` only where it opens the backend (the Store module).
 */
const TEMPO_ADDRESS_SECTIONS = ['distributor', 'ingest', 'live_store', 'block_builder', 'metrics_generator', 'querier', 'query_frontend', 'backend_scheduler', 'backend_worker', 'storage', 'memberlist'];
const TEMPO_TARGET_SECTIONS: Readonly<Record<string, (doc: Json) => readonly string[]>> = {
  'distributor': () => ['distributor', 'ingest', 'memberlist'],
  'live-store': () => ['live_store', 'ingest', 'memberlist'],
  'block-builder': () => ['block_builder', 'ingest', 'storage', 'memberlist'],
  'metrics-generator': () => ['metrics_generator', 'ingest', 'memberlist'],
  'querier': () => ['querier', 'storage', 'memberlist'],
  'query-frontend': () => ['query_frontend', 'storage'],
  'backend-scheduler': () => ['backend_scheduler', 'storage'],
  // The workers join a ring only when they shard the tenant index (backend_worker.ring).
  'backend-worker': (doc) => ['backend_worker', 'storage', ...(rec(rec(doc.backend_worker)?.ring) ? ['memberlist'] : [])],
};

/** The flows of one stack. */
export class FlowGraph {
  /** The graph of `objects` (one stack's manifests). */
  public static of(objects: readonly Manifest[], options: FlowGraphOptions = {}): FlowGraph {
    return new FlowGraph(objects, options);
  }

  /** The stack's objects, indexed (operators' pods included). */
  public readonly index: StackIndex;
  /** Connections to pods of the stack. */
  public readonly podFlows: PodFlow[] = [];
  /** Connections to declared endpoints outside the stack. */
  public readonly externalFlows: ExternalFlow[] = [];
  /** Pods that call the Kubernetes API. */
  public readonly kubernetesApi: KubernetesApiUse[] = [];
  /** Addresses that name nothing known. */
  public readonly unresolved: UnresolvedAddress[] = [];
  private readonly externals: readonly string[];
  /** The hosts of `externals`, which a string may name alone. */
  private readonly externalHosts: ReadonlySet<string>;
  /** The `Instrumentation` resources by namespace, made on the first annotation that asks. */
  private instrumentations?: Map<string, Manifest[]>;

  private constructor(objects: readonly Manifest[], options: FlowGraphOptions) {
    this.index = new StackIndex(objects, { ...options, operatorWorkloads: true });
    this.externals = (options.externalEndpoints ?? []).map((e) => e.toLowerCase());
    this.externalHosts = new Set(this.externals.map((e) => e.slice(0, e.lastIndexOf(':'))));
    const read = new Set<Manifest>();
    for (const t of this.index.templates) {
      if (t.operator) continue;
      const { inputs, documents } = this.inputsOf(t, read);
      const source: FlowSource = { kind: 'pod', template: t };
      for (const input of inputs) this.addAddresses(source, t.namespace, input);
      this.addSemantics(t, documents);
    }
    for (const o of objects) {
      const namespace = this.index.namespaceOf(o);
      if ((o.kind === 'ConfigMap' || o.kind === 'Secret') && !read.has(o)) {
        for (const input of configInputs(o, undefined, undefined, this.mayName)) this.addAddresses({ kind: 'config-reader', object: o }, namespace, input);
      } else if (OPERATOR_KINDS.has(o.kind) && !read.has(o)) {
        for (const input of customResourceInputs(o)) this.addAddresses({ kind: 'operator', object: o }, namespace, input);
      } else if (o.kind === 'Ingress') {
        this.addIngress(o, namespace);
      }
    }
  }

  /**
   * The pod templates and container ports behind `service`'s port `port` (as dialled: a Service
   * port, or for a headless Service the pods' port itself).
   */
  public targetsOf(service: Manifest, port: number): FlowTarget[] {
    const spec = rec(service.spec) ?? {};
    const ports = list(spec.ports).map(rec).filter((p): p is Json => p !== undefined);
    const templates = this.index.templatesOfService(service);
    if (spec.clusterIP === 'None') {
      const protocols = [...new Set(ports.filter((p) => p.port === port || p.targetPort === port).map((p) => str(p.protocol) ?? 'TCP'))];
      return templates.flatMap((template) => {
        const declared = servingPorts(template).filter((c) => c.number === port);
        const ofPort = declared.length > 0 ? [...new Set(declared.map((c) => c.protocol))] : protocols.length > 0 ? protocols : ['TCP'];
        return ofPort.map((protocol) => ({ template, port, protocol }));
      });
    }
    const out: FlowTarget[] = [];
    for (const p of ports.filter((q) => q.port === port)) {
      const protocol = str(p.protocol) ?? 'TCP';
      const target = p.targetPort ?? p.port;
      for (const template of templates) {
        const number = typeof target === 'number' ? target
          : servingPorts(template).find((c: ContainerPort) => c.name === target && c.protocol === protocol)?.number;
        if (number !== undefined) out.push({ template, port: number, protocol });
      }
    }
    return out;
  }

  /** The Service port a backend names (by number or name) of `service`, as its number. */
  private servicePortNumber(service: Manifest, port: Json | undefined): number | undefined {
    const ports = list(rec(service.spec)?.ports).map(rec);
    if (typeof port?.number === 'number') return port.number;
    if (typeof port?.name === 'string') {
      const p = ports.find((q) => q?.name === port.name)?.port;
      return typeof p === 'number' ? p : undefined;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // what a pod reads

  /** The strings and parsed documents pod template `t` reads; marks the objects read in `read`. */
  private inputsOf(t: PodTemplate, read: Set<Manifest>): { inputs: Input[]; documents: Document[] } {
    const inputs: Input[] = [];
    const documents: Document[] = [];
    const tempoTarget = tempoTargetOf(t);
    const sections = (doc: Json) => (tempoTarget ? TEMPO_TARGET_SECTIONS[tempoTarget]?.(doc) : undefined);
    const take = (o: Manifest | undefined, keys: readonly string[] | undefined) => {
      if (!o) return;
      read.add(o);
      for (const input of configInputs(o, keys, documents, this.mayName)) {
        const doc = input.document ? documents.find((d) => d.origin === o && input.path.startsWith(d.path))?.doc : undefined;
        const allowed = doc ? sections(doc) : undefined;
        if (allowed && input.section !== undefined && TEMPO_ADDRESS_SECTIONS.includes(input.section) && !allowed.includes(input.section)) continue;
        inputs.push(input);
      }
    };
    const cm = (name: unknown) => (typeof name === 'string' ? this.index.find('ConfigMap', t.namespace, name) : undefined);
    const secret = (name: unknown) => (typeof name === 'string' ? this.index.find('Secret', t.namespace, name) : undefined);
    const itemKeys = (source: Json) => {
      const keys = list(source.items).map((i) => str(rec(i)?.key)).filter(isString);
      return keys.length > 0 ? keys : undefined;
    };

    for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
      list(t.spec[field]).forEach((c, i) => {
        const container = rec(c);
        if (!container) return;
        const cPath = `${t.path}/spec/${field}/${i}`;
        for (const argsField of ['command', 'args']) {
          list(container[argsField]).forEach((a, j) => {
            if (typeof a === 'string' && this.mayName(a)) inputs.push({ origin: t.owner, path: `${cPath}/${argsField}/${j}`, text: a });
          });
        }
        list(container.env).forEach((e, j) => {
          const env = rec(e);
          if (typeof env?.value === 'string' && this.mayName(env.value)) inputs.push({ origin: t.owner, path: `${cPath}/env/${j}/value`, text: env.value });
          const from = rec(env?.valueFrom);
          const cmKey = rec(from?.configMapKeyRef);
          const secretKey = rec(from?.secretKeyRef);
          if (cmKey) take(cm(cmKey.name), [str(cmKey.key) ?? '']);
          if (secretKey) take(secret(secretKey.name), [str(secretKey.key) ?? '']);
        });
        list(container.envFrom).forEach((e) => {
          const ref = rec(e);
          take(cm(rec(ref?.configMapRef)?.name), undefined);
          take(secret(rec(ref?.secretRef)?.name), undefined);
        });
      });
    }
    list(t.spec.volumes).forEach((v) => {
      const volume = rec(v);
      const cmSource = rec(volume?.configMap);
      const secretSource = rec(volume?.secret);
      if (cmSource) take(cm(cmSource.name), itemKeys(cmSource));
      if (secretSource) take(secret(secretSource.secretName), itemKeys(secretSource));
      list(rec(volume?.projected)?.sources).forEach((s) => {
        const pcm = rec(rec(s)?.configMap);
        const psecret = rec(rec(s)?.secret);
        if (pcm) take(cm(pcm.name), itemKeys(pcm));
        if (psecret) take(secret(psecret.name), itemKeys(psecret));
      });
    });
    for (const instrumentation of this.instrumentationsOf(t)) {
      read.add(instrumentation);
      inputs.push(...customResourceInputs(instrumentation));
    }
    return { inputs, documents };
  }

  /** The `Instrumentation` resources of the stack that the OpenTelemetry Operator injects into `t`. */
  private instrumentationsOf(t: PodTemplate): Manifest[] {
    const found: Manifest[] = [];
    for (const [key, value] of Object.entries(t.annotations)) {
      if (!INSTRUMENTATION_ANNOTATION.test(key) || value === 'false') continue;
      if (value === 'true') {
        const all = this.instrumentationsIn(t.namespace);
        if (all.length === 1) found.push(all[0]);
        continue;
      }
      const [namespace, name] = value.includes('/') ? value.split('/', 2) : [t.namespace, value];
      const o = this.index.find('Instrumentation', namespace, name);
      if (o) found.push(o);
    }
    return found;
  }

  /** The `Instrumentation` resources of `namespace`, in object order. */
  private instrumentationsIn(namespace: string): readonly Manifest[] {
    if (!this.instrumentations) {
      this.instrumentations = new Map();
      for (const o of this.index.objects) {
        if (o.kind !== 'Instrumentation') continue;
        const ns = this.index.namespaceOf(o);
        const inNamespace = this.instrumentations.get(ns);
        if (inNamespace) inNamespace.push(o);
        else this.instrumentations.set(ns, [o]);
      }
    }
    return this.instrumentations.get(namespace) ?? [];
  }

  // -------------------------------------------------------------------------------------------
  // flows

  /**
   * Whether {@link addAddresses} can find anything in `text`: an address (every form has a colon)
   * or a declared endpoint's host written alone. Most of what a container is given is neither.
   */
  private readonly mayName = (text: string): boolean =>
    text.includes(':') || (this.externalHosts.size > 0 && this.externalHosts.has(hostAlone(text)));

  private addAddresses(source: FlowSource, namespace: string, input: Input): void {
    const origin = (text: string): FlowOrigin => ({ object: input.origin, path: input.path, text });
    const addresses = findAddresses(input.text).filter((a) => !isBindOrLoopback(a.host));
    for (const address of addresses) {
      const resolved = this.index.resolveAddress(address, namespace);
      if (resolved.kind === 'service') {
        const targets = this.targetsOf(resolved.service, address.port);
        for (const target of targets) {
          this.podFlows.push({
            source, origin: origin(address.text), via: 'address', target: target.template, port: target.port, protocol: target.protocol,
            service: { name: resolved.service.metadata.name, namespace: resolved.namespace, port: address.port },
          });
        }
        if (targets.length > 0) continue;
      }
      const endpoint = this.declared(address.host, address.port);
      if (endpoint) this.externalFlows.push({ source, origin: origin(address.text), host: address.host, port: address.port, protocol: 'TCP', endpoint });
      else if (resolved.kind !== 'service') this.unresolved.push({ source, origin: origin(address.text), host: address.host, port: address.port });
    }
    if (addresses.length > 0) return;
    // A declared endpoint's host written alone (an S3 endpoint, a host name setting).
    if (this.externals.length === 0) return;
    const host = hostAlone(input.text);
    for (const e of this.externals) {
      const colon = e.lastIndexOf(':');
      if (e.slice(0, colon) === host) this.externalFlows.push({ source, origin: origin(input.text), host, port: Number(e.slice(colon + 1)), protocol: 'TCP', endpoint: e });
    }
  }

  /** The declared endpoint `host:port` matches, if any. */
  private declared(host: string, port: number): string | undefined {
    const hostPort = `${host}:${port}`;
    return this.externals.find((e) => e === hostPort || (e.startsWith('*.') && hostPort.endsWith(e.slice(1))));
  }

  private addIngress(o: Manifest, namespace: string): void {
    const spec = rec(o.spec) ?? {};
    const backends: Array<[string, Json | undefined]> = [['/spec/defaultBackend', rec(spec.defaultBackend)]];
    list(spec.rules).forEach((r, i) => {
      list(rec(rec(r)?.http)?.paths).forEach((p, j) => backends.push([`/spec/rules/${i}/http/paths/${j}/backend`, rec(rec(p)?.backend)]));
    });
    for (const [path, backend] of backends) {
      const name = str(rec(backend?.service)?.name);
      const svc = name === undefined ? undefined : this.index.find('Service', namespace, name);
      if (!svc) continue;
      const port = this.servicePortNumber(svc, rec(rec(backend?.service)?.port));
      if (port === undefined) continue;
      for (const target of this.targetsOf(svc, port)) {
        this.podFlows.push({
          source: { kind: 'ingress-controller', object: o }, origin: { object: o, path: `${path}/service`, text: `${name}:${port}` },
          via: 'ingress', service: { name: svc.metadata.name, namespace, port }, target: target.template, port: target.port, protocol: target.protocol,
        });
      }
    }
  }

  /** What the programs make of their configuration beyond its addresses. */
  private addSemantics(t: PodTemplate, documents: readonly Document[]): void {
    const source: FlowSource = { kind: 'pod', template: t };
    const api: string[] = [];
    for (const { origin, path, doc } of documents) {
      // OpenTelemetry Collector: the load-balancing exporter's resolvers, the k8sattributes processor.
      for (const [name, exporter] of Object.entries(rec(doc.exporters) ?? {})) {
        if (name !== 'loadbalancing' && !name.startsWith('loadbalancing/')) continue;
        const resolver = rec(rec(exporter)?.resolver);
        const k8s = rec(resolver?.k8s);
        const dns = rec(resolver?.dns);
        if (k8s && typeof k8s.service === 'string') {
          api.push(`the ${name} exporter's k8s resolver watches EndpointSlices`);
          const [svcName, svcNamespace] = k8s.service.split('.', 2);
          const svc = this.index.find('Service', svcNamespace ?? t.namespace, svcName);
          const ports = list(k8s.ports).filter((p): p is number => typeof p === 'number');
          for (const port of ports.length > 0 ? ports : [4317]) {
            const origin2 = { object: origin, path: `${path}/exporters/${name}/resolver/k8s`, text: `${k8s.service}:${port}` };
            // The resolver dials each endpoint's address on the listed port: the pods' own port.
            const targets = svc ? this.index.templatesOfService(svc) : [];
            for (const target of targets) {
              this.podFlows.push({ source, origin: origin2, via: 'resolver', service: { name: svcName, namespace: svcNamespace ?? t.namespace, port }, target, port, protocol: 'TCP' });
            }
            if (targets.length === 0) this.unresolved.push({ source, origin: origin2, host: k8s.service, port });
          }
        }
        if (dns && typeof dns.hostname === 'string') {
          const port = typeof dns.port === 'number' ? dns.port : typeof dns.port === 'string' ? Number(dns.port) : 4317;
          this.addAddresses(source, t.namespace, { origin, path: `${path}/exporters/${name}/resolver/dns`, text: `${dns.hostname}:${port}` });
        }
      }
      for (const name of Object.keys(rec(doc.processors) ?? {})) {
        if (name === 'k8sattributes' || name.startsWith('k8sattributes/')) api.push(`the ${name} processor reads pod metadata`);
      }
      // Tempo: the querier reads recent data from every live-store at its ring address.
      const target = tempoTargetOf(t);
      if (target === 'querier' && isTempoDocument(doc)) {
        const grpc = typeof rec(doc.server)?.grpc_listen_port === 'number' ? rec(doc.server)!.grpc_listen_port as number : 9095;
        for (const store of this.index.templates.filter((s) => tempoTargetOf(s) === 'live-store' && s.namespace === t.namespace && readsSameConfig(s, t))) {
          this.podFlows.push({
            source, origin: { object: origin, path: `${path}/live_store`, text: `live-store ring, gRPC ${grpc}` }, via: 'ring',
            target: store, port: grpc, protocol: 'TCP',
          });
        }
      }
      // Tempo: the object storage host, which the configuration names without a port (or not at all).
      const sections = target ? TEMPO_TARGET_SECTIONS[target]?.(doc) : undefined;
      if (isTempoDocument(doc) && (!sections || sections.includes('storage'))) {
        const storage = tempoStorageAddress(rec(rec(doc.storage)?.trace));
        if (storage) this.addAddresses(source, t.namespace, { origin, path: `${path}/storage/trace/${storage.backend}`, text: storage.hostPort });
      }
    }
    if (tokenMounted(t, this.index)) api.push('it mounts its ServiceAccount token');
    if (api.length > 0) this.kubernetesApi.push({ template: t, reason: [...new Set(api)].join('; ') });
  }
}

/** `text` as a host written alone: trimmed, lower case, without a trailing dot. */
function hostAlone(text: string): string {
  return text.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * The strings of a ConfigMap's `data` or a Secret's `stringData` (only `keys`, when given, and only
 * those `keep` accepts), parsed documents in `documents`.
 */
function configInputs(o: Manifest, keys?: readonly string[], documents?: Document[], keep?: (text: string) => boolean): Array<Input & { section?: string; document?: boolean }> {
  const field = o.kind === 'Secret' ? 'stringData' : 'data';
  const out: Array<Input & { section?: string; document?: boolean }> = [];
  for (const [key, value] of Object.entries(rec(o[field]) ?? {})) {
    if (typeof value !== 'string' || (keys && !keys.includes(key))) continue;
    const base = `/${field}/${escapePointer(key)}`;
    const docs = parseStructured(value);
    if (!docs) {
      if (!keep || keep(value)) out.push({ origin: o, path: base, text: value });
      continue;
    }
    docs.forEach((doc, i) => {
      const docPath = docs.length > 1 ? `${base}#${i}` : `${base}#`;
      if (rec(doc)) documents?.push({ origin: o, path: docPath, doc: rec(doc)! });
      walkStrings(doc, docPath, (text, path) => {
        const rest = path.slice(docPath.length + 1);
        const slash = rest.indexOf('/');
        const section = slash < 0 ? rest : rest.slice(0, slash);
        out.push({ origin: o, path, text, section: rec(doc) ? section : undefined, document: true });
      }, keep);
    });
  }
  return out;
}

/**
 * Every string of a ConfigMap's `data` or a Secret's `stringData`, with its JSON pointer: a value
 * that parses as YAML or JSON into a mapping or list is walked (`/data/config.yaml#/exporters/otlp/endpoint`),
 * any other is one string (`/data/url`).
 */
export function configurationStrings(o: Manifest): Array<{ readonly path: string; readonly text: string }> {
  return configInputs(o).map(({ path, text }) => ({ path, text }));
}

/** Every string of a custom resource's spec with its JSON pointer, image references left out (they name registries). */
export function customResourceStrings(o: Manifest): Array<{ readonly path: string; readonly text: string }> {
  return customResourceInputs(o).map(({ path, text }) => ({ path, text }));
}

/** The strings of a custom resource's spec, image references left out. */
function customResourceInputs(o: Manifest): Input[] {
  const out: Input[] = [];
  walkStrings(o.spec, '/spec', (text, path) => {
    if (!/\/image$/.test(path)) out.push({ origin: o, path, text });
  });
  return out;
}

/** `-target` of a Tempo container (image `.../tempo`), if the template runs one. */
function tempoTargetOf(t: PodTemplate): string | undefined {
  for (const c of list(t.spec.containers).map(rec)) {
    const image = str(c?.image) ?? '';
    const repository = image.split('@')[0].replace(/:[^/:]*$/, '');
    if (repository.split('/').pop() !== 'tempo') continue;
    const target = list(c?.args).filter(isString).find((a) => a.startsWith('-target='));
    return target ? target.slice('-target='.length) : 'all';
  }
  return undefined;
}

/** Whether two templates mount the same ConfigMaps (one Tempo installation). */
function readsSameConfig(a: PodTemplate, b: PodTemplate): boolean {
  const maps = (t: PodTemplate) => list(t.spec.volumes).map((v) => str(rec(rec(v)?.configMap)?.name)).filter(isString).sort().join(',');
  return maps(a) === maps(b);
}

function isTempoDocument(doc: Json): boolean {
  return rec(rec(doc.storage)?.trace) !== undefined && (rec(doc.server) !== undefined || rec(doc.distributor) !== undefined);
}

/** The host and port Tempo's storage backend reaches (undefined for `local`). */
function tempoStorageAddress(trace: Json | undefined): { backend: string; hostPort: string } | undefined {
  const backend = str(trace?.backend);
  const s3 = rec(trace?.s3);
  const gcs = rec(trace?.gcs);
  const azure = rec(trace?.azure);
  if (backend === 's3' && typeof s3?.endpoint === 'string') {
    return { backend, hostPort: /:\d+$/.test(s3.endpoint) ? s3.endpoint : `${s3.endpoint}:${s3.insecure === true ? 80 : 443}` };
  }
  if (backend === 'gcs' && typeof gcs?.endpoint !== 'string') return { backend, hostPort: 'storage.googleapis.com:443' };
  if (backend === 'azure' && typeof azure?.endpoint_suffix === 'string') {
    const suffix = azure.endpoint_suffix;
    if (!suffix.startsWith('blob.')) return { backend, hostPort: /:\d+$/.test(suffix) ? suffix : `${suffix}:80` };
    return { backend, hostPort: `${String(azure.storage_account_name)}.${suffix}:443` };
  }
  return undefined;
}

/** Whether the pods get a ServiceAccount token (the pod's setting, else its ServiceAccount's, else Kubernetes' default: yes). */
function tokenMounted(t: PodTemplate, index: StackIndex): boolean {
  if (typeof t.spec.automountServiceAccountToken === 'boolean') return t.spec.automountServiceAccountToken;
  const sa = index.find('ServiceAccount', t.namespace, str(t.spec.serviceAccountName) ?? 'default');
  return typeof sa?.automountServiceAccountToken === 'boolean' ? sa.automountServiceAccountToken : true;
}
