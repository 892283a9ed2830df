/**
 * Wiring check of one stack's synthesized objects (one namespace plus cluster-scoped objects):
 * what schema validation cannot see because it spans objects. Every message reads
 * `<Kind>/<name>: <field path>: <what is wrong>`.
 *
 * Checked:
 * - workload `selector` matches its pod template's labels;
 * - a Service with a selector selects a pod template of the stack, and each of its target ports
 *   (number or name, same protocol) is a container port of every template it selects;
 *   a multi-port Service names every port, uniquely;
 * - container port names are IANA service names; names and containerPort/protocol are unique in a pod;
 * - volumeMounts name a volume (or a StatefulSet volumeClaimTemplate);
 * - ConfigMaps and Secrets referenced by volumes, projected volumes, envFrom, env valueFrom,
 *   imagePullSecrets and Ingress TLS exist in the stack or are declared user-provided; keys
 *   referenced in a ConfigMap/Secret of the stack exist; references marked `optional: true` are
 *   not checked; PersistentVolumeClaims exist in the stack;
 * - serviceAccountName names a ServiceAccount of the stack (or `default`);
 * - HPA scaleTargetRef names a workload of the stack, a PDB selector selects a pod template;
 * - Ingress backends name a Service of the stack and one of its ports;
 * - RoleBinding/ClusterRoleBinding roleRef and ServiceAccount subjects exist (built-in
 *   ClusterRoles `cluster-admin`, `admin`, `edit`, `view`, `system:*` are assumed);
 * - addresses in ConfigMap `data`, Secret `stringData`, container `command`/`args`/`env[].value`
 *   (see constructs/wiring/_addresses.ts for what counts as one) are a Service of the stack with that port, in one of
 *   its DNS forms, or are listed in `externalEndpoints`.
 */
import { findAddresses, isBindOrLoopback, type FoundAddress } from '../../constructs/wiring/_addresses';
import { isRecord, isString, list, rec, str, stringMap, unmetLabelSelector, unmetMatchLabels, type Json } from '../../constructs/wiring/_json';
import { configurationStrings, customResourceStrings } from '../../constructs/wiring/flow-graph';
import { servingPorts, StackIndex, type ContainerPort, type PodTemplate } from '../../constructs/wiring/stack-index';
import { objectRef, type K8sObject } from './k8s-object';

export interface WiringOptions {
  /** Secrets the user creates before applying the stack (names, any namespace). */
  readonly userProvidedSecrets?: readonly string[];
  /** ConfigMaps the user creates before applying the stack (names, any namespace). */
  readonly userProvidedConfigMaps?: readonly string[];
  /**
   * Addresses outside the stack that its configuration may use, as `host:port`
   * (`es.example.com:443`). A leading `*.` matches any subdomain (`*.amazonaws.com:443`).
   */
  readonly externalEndpoints?: readonly string[];
  /** Namespace of objects that set none (where `kubectl apply` would put them). @default 'default' */
  readonly defaultNamespace?: string;
  /** Cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain?: string;
}

const BUILTIN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

export function wiringErrors(objects: readonly K8sObject[], options: WiringOptions = {}): string[] {
  return new WiringCheck(objects, options).run();
}

class WiringCheck {
  private readonly errors: string[] = [];
  private readonly index: StackIndex;
  private readonly templates: readonly PodTemplate[];
  private readonly externals: readonly string[];

  constructor(private readonly objects: readonly K8sObject[], private readonly options: WiringOptions) {
    this.index = new StackIndex(objects, { defaultNamespace: options.defaultNamespace, clusterDomain: options.clusterDomain });
    this.templates = this.index.templates;
    this.externals = (options.externalEndpoints ?? []).map((e) => e.toLowerCase());
  }

  run(): string[] {
    for (const t of this.templates) {
      this.checkWorkloadSelector(t);
      this.checkPod(t);
    }
    for (const o of this.objects) {
      const spec = rec(o.spec);
      switch (o.kind) {
        case 'Service': this.checkService(o, spec ?? {}); break;
        case 'Ingress': this.checkIngress(o, spec ?? {}); break;
        case 'HorizontalPodAutoscaler': this.checkScaleTarget(o, spec ?? {}); break;
        case 'PodDisruptionBudget': this.checkPdb(o, spec ?? {}); break;
        case 'RoleBinding':
        case 'ClusterRoleBinding': this.checkBinding(o); break;
        case 'ConfigMap':
        case 'Secret':
          for (const { path, text } of configurationStrings(o)) this.scanText(o, this.namespaceOf(o), path, text);
          break;
        // Custom resources whose operators turn their spec into configuration and environment.
        case 'OpenTelemetryCollector':
        case 'Instrumentation':
        case 'Jaeger':
          for (const { path, text } of customResourceStrings(o)) this.scanText(o, this.namespaceOf(o), path, text);
          break;
        default: break;
      }
    }
    return this.errors;
  }

  // -------------------------------------------------------------------------------------------
  // index

  private namespaceOf(o: K8sObject): string {
    return this.index.namespaceOf(o);
  }

  private find(kind: string, namespace: string, name: string): K8sObject | undefined {
    return this.index.find(kind, namespace, name);
  }

  private error(o: K8sObject, path: string, message: string): void {
    this.errors.push(`${objectRef(o)}: ${path || '/'}: ${message}`);
  }

  private templatesSelectedBy(namespace: string, matches: (labels: Readonly<Record<string, string>>) => boolean): PodTemplate[] {
    return this.index.templatesSelectedBy(namespace, matches);
  }

  // -------------------------------------------------------------------------------------------
  // workloads and pods

  private checkWorkloadSelector(t: PodTemplate): void {
    const spec = rec(t.owner.spec);
    let selector: unknown;
    let path: string;
    if (t.owner.kind === 'CronJob') {
      selector = rec(rec(spec?.jobTemplate)?.spec)?.selector;
      path = '/spec/jobTemplate/spec/selector';
    } else if (t.owner.kind === 'Pod') {
      return;
    } else {
      selector = spec?.selector;
      path = '/spec/selector';
    }
    if (!isRecord(selector)) return;
    const unmet = t.owner.kind === 'ReplicationController'
      ? unmetMatchLabels(stringMap(selector), t.labels)
      : unmetLabelSelector(selector, t.labels);
    if (unmet.length > 0) {
      this.error(t.owner, path, `does not select the pod template's labels (${path.replace(/selector$/, 'template')}/metadata/labels ${formatLabels(t.labels)}): unmet ${unmet.join(', ')}`);
    }
  }

  private checkPod(t: PodTemplate): void {
    const o = t.owner;
    const specPath = `${t.path}/spec`;
    const volumes = new Set<string>(t.claimTemplates);
    list(t.spec.volumes).forEach((v, i) => {
      const volume = rec(v);
      const name = str(volume?.name);
      if (volume && name) volumes.add(name);
      if (volume) this.checkVolumeSource(t, volume, `${specPath}/volumes/${i}`);
    });

    const names = new Map<string, string>();
    const numbers = new Map<string, string>();
    for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
      list(t.spec[field]).forEach((c, i) => {
        const container = rec(c);
        if (!container) return;
        const cPath = `${specPath}/${field}/${i}`;
        list(container.ports).forEach((p, j) => {
          const port = rec(p);
          if (!port) return;
          const pPath = `${cPath}/ports/${j}`;
          const name = str(port.name);
          const number = typeof port.containerPort === 'number' ? port.containerPort : undefined;
          const protocol = str(port.protocol) ?? 'TCP';
          if (name !== undefined) {
            const problem = ianaServiceNameProblem(name);
            if (problem) this.error(o, `${pPath}/name`, `port name '${name}' is not a valid IANA service name: ${problem}`);
            const seen = names.get(name);
            if (seen) this.error(o, `${pPath}/name`, `port name '${name}' is already used in this pod at ${seen}`);
            else names.set(name, pPath);
          }
          if (number !== undefined) {
            const seen = numbers.get(`${number}/${protocol}`);
            if (seen) this.error(o, `${pPath}/containerPort`, `containerPort ${number}/${protocol} is already declared in this pod at ${seen}`);
            else numbers.set(`${number}/${protocol}`, pPath);
          }
        });
        for (const mountField of ['volumeMounts', 'volumeDevices']) {
          list(container[mountField]).forEach((m, j) => {
            const name = str(rec(m)?.name);
            if (name !== undefined && !volumes.has(name)) {
              this.error(o, `${cPath}/${mountField}/${j}/name`, `no volume '${name}' in the pod (volumes: ${formatList([...volumes])})`);
            }
          });
        }
        list(container.envFrom).forEach((e, j) => {
          const ref = rec(e);
          const cm = rec(ref?.configMapRef);
          const secret = rec(ref?.secretRef);
          if (cm) this.checkConfigMapRef(o, t.namespace, `${cPath}/envFrom/${j}/configMapRef/name`, cm, []);
          if (secret) this.checkSecretRef(o, t.namespace, `${cPath}/envFrom/${j}/secretRef/name`, secret, []);
        });
        list(container.env).forEach((e, j) => {
          const env = rec(e);
          const ePath = `${cPath}/env/${j}`;
          const from = rec(env?.valueFrom);
          const cmKey = rec(from?.configMapKeyRef);
          const secretKey = rec(from?.secretKeyRef);
          if (cmKey) this.checkConfigMapRef(o, t.namespace, `${ePath}/valueFrom/configMapKeyRef/name`, cmKey, keyOf(cmKey, `${ePath}/valueFrom/configMapKeyRef/key`));
          if (secretKey) this.checkSecretRef(o, t.namespace, `${ePath}/valueFrom/secretKeyRef/name`, secretKey, keyOf(secretKey, `${ePath}/valueFrom/secretKeyRef/key`));
          if (typeof env?.value === 'string') this.scanText(o, t.namespace, `${ePath}/value`, env.value);
        });
        for (const argsField of ['command', 'args']) {
          list(container[argsField]).forEach((a, j) => {
            if (typeof a === 'string') this.scanText(o, t.namespace, `${cPath}/${argsField}/${j}`, a);
          });
        }
      });
    }

    list(t.spec.imagePullSecrets).forEach((s, i) => {
      const name = str(rec(s)?.name);
      if (name !== undefined) this.checkSecretRef(o, t.namespace, `${specPath}/imagePullSecrets/${i}/name`, { name }, []);
    });

    const saField = typeof t.spec.serviceAccountName === 'string' ? 'serviceAccountName' : 'serviceAccount';
    const sa = str(t.spec[saField]);
    if (sa !== undefined && sa !== 'default' && !this.find('ServiceAccount', t.namespace, sa)) {
      this.error(o, `${specPath}/${saField}`, `no ServiceAccount '${sa}' in namespace '${t.namespace}' of the stack`);
    }
  }

  private checkVolumeSource(t: PodTemplate, volume: Json, path: string): void {
    const o = t.owner;
    const cm = rec(volume.configMap);
    if (cm) this.checkConfigMapRef(o, t.namespace, `${path}/configMap/name`, cm, itemKeys(cm, `${path}/configMap`));
    const secret = rec(volume.secret);
    if (secret) {
      this.checkSecretRef(o, t.namespace, `${path}/secret/secretName`, { name: secret.secretName, optional: secret.optional }, itemKeys(secret, `${path}/secret`));
    }
    const pvc = rec(volume.persistentVolumeClaim);
    const claim = str(pvc?.claimName);
    if (claim !== undefined && !this.find('PersistentVolumeClaim', t.namespace, claim)) {
      this.error(o, `${path}/persistentVolumeClaim/claimName`, `no PersistentVolumeClaim '${claim}' in namespace '${t.namespace}' of the stack`);
    }
    list(rec(volume.projected)?.sources).forEach((s, i) => {
      const source = rec(s);
      const sPath = `${path}/projected/sources/${i}`;
      const pcm = rec(source?.configMap);
      const psecret = rec(source?.secret);
      if (pcm) this.checkConfigMapRef(o, t.namespace, `${sPath}/configMap/name`, pcm, itemKeys(pcm, `${sPath}/configMap`));
      if (psecret) this.checkSecretRef(o, t.namespace, `${sPath}/secret/name`, psecret, itemKeys(psecret, `${sPath}/secret`));
    });
  }

  // -------------------------------------------------------------------------------------------
  // ConfigMap and Secret references

  /** `ref` is `{ name, optional? }`; `namePath` points at the name; `keys` are keys it must hold. */
  private checkConfigMapRef(o: K8sObject, namespace: string, namePath: string, ref: Json, keys: ReadonlyArray<KeyRef>): void {
    const name = str(ref.name);
    if (name === undefined || ref.optional === true) return;
    const cm = this.find('ConfigMap', namespace, name);
    if (!cm) {
      if (!(this.options.userProvidedConfigMaps ?? []).includes(name)) {
        this.error(o, namePath, `ConfigMap '${name}' is not in the stack (namespace '${namespace}') nor declared in userProvidedConfigMaps`);
      }
      return;
    }
    const available = [...Object.keys(rec(cm.data) ?? {}), ...Object.keys(rec(cm.binaryData) ?? {})];
    for (const k of keys) {
      if (!available.includes(k.key)) this.error(o, k.path, `key '${k.key}' is not in ConfigMap/${name} (keys: ${formatList(available)})`);
    }
  }

  /** As checkConfigMapRef, for a Secret. */
  private checkSecretRef(o: K8sObject, namespace: string, namePath: string, ref: Json, keys: ReadonlyArray<KeyRef>): void {
    const name = str(ref.name);
    if (name === undefined || ref.optional === true) return;
    const secret = this.find('Secret', namespace, name);
    if (!secret) {
      if (!(this.options.userProvidedSecrets ?? []).includes(name)) {
        this.error(o, namePath, `Secret '${name}' is not in the stack (namespace '${namespace}') nor declared in userProvidedSecrets`);
      }
      return;
    }
    const available = [...Object.keys(rec(secret.data) ?? {}), ...Object.keys(rec(secret.stringData) ?? {})];
    for (const k of keys) {
      if (!available.includes(k.key)) this.error(o, k.path, `key '${k.key}' is not in Secret/${name} (keys: ${formatList(available)})`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Services, Ingresses, autoscaling, disruption budgets, RBAC

  private checkService(o: K8sObject, spec: Json): void {
    const ns = this.namespaceOf(o);
    const ports = list(spec.ports).map(rec);
    if (ports.length > 1) {
      const seen = new Map<string, number>();
      ports.forEach((p, i) => {
        const name = str(p?.name);
        if (name === undefined) {
          this.error(o, `/spec/ports/${i}/name`, 'a Service with more than one port must name every port');
        } else if (seen.has(name)) {
          this.error(o, `/spec/ports/${i}/name`, `port name '${name}' is already used by /spec/ports/${seen.get(name)}`);
        } else {
          seen.set(name, i);
        }
      });
    }
    if (spec.type === 'ExternalName') return;
    const selector = stringMap(spec.selector);
    if (Object.keys(selector).length === 0) return; // endpoints managed outside the Service
    const selected = this.templatesSelectedBy(ns, (labels) => unmetMatchLabels(selector, labels).length === 0);
    if (selected.length === 0) {
      this.error(o, '/spec/selector', `selects no pod template of the stack in namespace '${ns}' (selector ${formatLabels(selector)})`);
      return;
    }
    ports.forEach((p, i) => {
      if (!p) return;
      const protocol = str(p.protocol) ?? 'TCP';
      const target = p.targetPort ?? p.port;
      const tPath = `/spec/ports/${i}/${p.targetPort === undefined ? 'port' : 'targetPort'}`;
      for (const t of selected) {
        const cports = servingPorts(t);
        const hit = cports.some((c) => c.protocol === protocol && (typeof target === 'number' ? c.number === target : c.name === target));
        if (!hit) {
          const what = typeof target === 'number' ? `containerPort ${target}/${protocol}` : `named port '${String(target)}' (${protocol})`;
          this.error(o, tPath, `${what} is not declared by ${objectRef(t.owner)} (${t.path || '/'}); it declares ${formatList(cports.map(describePort))}`);
        }
      }
    });
  }

  private checkIngress(o: K8sObject, spec: Json): void {
    const ns = this.namespaceOf(o);
    const backends: Array<[string, Json | undefined]> = [['/spec/defaultBackend', rec(spec.defaultBackend)]];
    list(spec.rules).forEach((r, i) => {
      list(rec(rec(r)?.http)?.paths).forEach((p, j) => backends.push([`/spec/rules/${i}/http/paths/${j}/backend`, rec(rec(p)?.backend)]));
    });
    for (const [path, backend] of backends) {
      const service = rec(backend?.service);
      const name = str(service?.name);
      if (!service || name === undefined) continue;
      const svc = this.find('Service', ns, name);
      if (!svc) {
        this.error(o, `${path}/service/name`, `no Service '${name}' in namespace '${ns}' of the stack`);
        continue;
      }
      const port = rec(service.port);
      const svcPorts = list(rec(svc.spec)?.ports).map(rec);
      if (typeof port?.number === 'number' && !svcPorts.some((p) => p?.port === port.number)) {
        this.error(o, `${path}/service/port/number`, `Service/${name} has no port ${port.number} (ports: ${formatList(svcPorts.map((p) => String(p?.port)))})`);
      }
      if (typeof port?.name === 'string' && !svcPorts.some((p) => p?.name === port.name)) {
        this.error(o, `${path}/service/port/name`, `Service/${name} has no port named '${port.name}' (names: ${formatList(svcPorts.map((p) => str(p?.name)).filter(isString))})`);
      }
    }
    list(spec.tls).forEach((t, i) => {
      const secretName = str(rec(t)?.secretName);
      if (secretName !== undefined) this.checkSecretRef(o, ns, `/spec/tls/${i}/secretName`, { name: secretName }, []);
    });
  }

  private checkScaleTarget(o: K8sObject, spec: Json): void {
    const ref = rec(spec.scaleTargetRef);
    const kind = str(ref?.kind);
    const name = str(ref?.name);
    if (!ref || kind === undefined || name === undefined) return;
    const target = this.find(kind, this.namespaceOf(o), name);
    if (!target) {
      this.error(o, '/spec/scaleTargetRef', `no ${kind} '${name}' in namespace '${this.namespaceOf(o)}' of the stack`);
    } else if (typeof ref.apiVersion === 'string' && ref.apiVersion !== target.apiVersion) {
      this.error(o, '/spec/scaleTargetRef/apiVersion', `${kind}/${name} has apiVersion '${target.apiVersion}', not '${ref.apiVersion}'`);
    }
  }

  private checkPdb(o: K8sObject, spec: Json): void {
    const selector = rec(spec.selector);
    if (!selector) return;
    const ns = this.namespaceOf(o);
    if (this.templatesSelectedBy(ns, (labels) => unmetLabelSelector(selector, labels).length === 0).length === 0) {
      this.error(o, '/spec/selector', `selects no pod template of the stack in namespace '${ns}'`);
    }
  }

  private checkBinding(o: K8sObject): void {
    const ns = this.namespaceOf(o);
    const roleRef = rec(o.roleRef);
    const kind = str(roleRef?.kind);
    const name = str(roleRef?.name);
    if (kind === 'Role' && name !== undefined && !this.find('Role', ns, name)) {
      this.error(o, '/roleRef/name', `no Role '${name}' in namespace '${ns}' of the stack`);
    }
    if (kind === 'ClusterRole' && name !== undefined && !this.find('ClusterRole', '', name)
      && !BUILTIN_CLUSTER_ROLES.has(name) && !name.startsWith('system:')) {
      this.error(o, '/roleRef/name', `no ClusterRole '${name}' in the stack (and not a built-in one)`);
    }
    list(o.subjects).forEach((s, i) => {
      const subject = rec(s);
      if (subject?.kind !== 'ServiceAccount') return;
      const saName = str(subject.name);
      const saNs = str(subject.namespace) ?? ns;
      if (saName !== undefined && saName !== 'default' && !this.find('ServiceAccount', saNs, saName)) {
        this.error(o, `/subjects/${i}`, `no ServiceAccount '${saName}' in namespace '${saNs}' of the stack`);
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // addresses in configuration

  private scanText(o: K8sObject, namespace: string, path: string, text: string): void {
    for (const address of findAddresses(text)) {
      if (isBindOrLoopback(address.host)) continue;
      const problem = this.addressProblem(address, namespace);
      if (problem) this.error(o, path, `address '${address.text}' ${problem}`);
    }
  }

  /** Undefined when the address is a Service of the stack with that port, or is external. */
  private addressProblem(address: FoundAddress, fromNamespace: string): string | undefined {
    const hostPort = `${address.host}:${address.port}`;
    if (this.externals.some((e) => e === hostPort || (e.startsWith('*.') && hostPort.endsWith(e.slice(1))))) return undefined;
    const resolved = this.index.resolveAddress(address, fromNamespace);
    switch (resolved.kind) {
      case 'service':
        return undefined;
      case 'no-port':
        return `names Service/${resolved.service.metadata.name} (namespace '${resolved.namespace}'), which has no port ${address.port} (ports: ${formatList(resolved.ports.map(String))})`;
      default: {
        const looked = resolved.candidates.length > 0
          ? `no Service ${resolved.candidates.map((c) => `'${c.service}' in namespace '${c.namespace}'${c.pod ? ' (headless)' : ''}`).join(' or ')} in the stack`
          : 'is not a cluster DNS name of a Service';
        return `is not a Service of the stack (${looked}) and ${hostPort} is not in externalEndpoints`;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

interface KeyRef {
  readonly key: string;
  readonly path: string;
}

function itemKeys(source: Json, path: string): KeyRef[] {
  const keys: KeyRef[] = [];
  list(source.items).forEach((item, i) => {
    const key = str(rec(item)?.key);
    if (key !== undefined) keys.push({ key, path: `${path}/items/${i}/key` });
  });
  return keys;
}

function keyOf(ref: Json, path: string): KeyRef[] {
  const key = str(ref.key);
  return key === undefined ? [] : [{ key, path }];
}

function describePort(p: ContainerPort): string {
  return `${p.name ? `${p.name}=` : ''}${p.number ?? '?'}/${p.protocol} (${p.container})`;
}

/**
 * Why a port name is not an IANA service name as Kubernetes checks it (`IsValidPortName`):
 * 1-15 characters of [a-z0-9-], at least one letter, no leading, trailing or doubled '-'.
 */
export function ianaServiceNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return `must be 1-15 characters, got ${name.length}`;
  if (!/^[a-z0-9-]+$/.test(name)) return "must contain only lower-case letters, digits and '-'";
  if (!/[a-z]/.test(name)) return 'must contain at least one letter';
  if (name.startsWith('-') || name.endsWith('-')) return "must not start or end with '-'";
  if (name.includes('--')) return "must not contain '--'";
  return undefined;
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '{}' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

function formatList(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.join(', ');
}

