/**
 * The wiring check: what schemas cannot see because it spans objects. The input is taken as
 * everything that will be applied to the namespaces it holds: a reference to an object of one of
 * those namespaces that the input lacks is a finding (an error, except a Secret, which credentials
 * keep out of manifests on purpose, and a PersistentVolumeClaim, which charts often take
 * existing); `provided` names what exists anyway. An address into a namespace the input does not
 * hold, or outside the cluster, is reported as external.
 *
 * Checked:
 * - a workload's `selector` matches its pod template's labels;
 * - a Service with a selector selects a pod template of its namespace, and each of its target
 *   ports (number or name, same protocol) is a container port of every template it selects;
 *   a multi-port Service names every port, uniquely;
 * - container port names are IANA service names; names and containerPort/protocol are unique in a pod;
 * - volumeMounts name a volume (or a StatefulSet volumeClaimTemplate);
 * - a StatefulSet's `serviceName` names a Service of its namespace, headless;
 * - ConfigMaps and Secrets referenced by volumes, projected volumes, envFrom, env valueFrom,
 *   imagePullSecrets and Ingress TLS exist, and so do the keys read from them; references marked
 *   `optional: true` are not checked; PersistentVolumeClaims exist;
 * - serviceAccountName names a ServiceAccount (or `default`);
 * - HPA scaleTargetRef names a workload, a PDB selector selects a pod template;
 * - Ingress backends name a Service and one of its ports;
 * - RoleBinding/ClusterRoleBinding roleRef and ServiceAccount subjects exist (built-in
 *   ClusterRoles `cluster-admin`, `admin`, `edit`, `view`, `system:*` are assumed);
 * - addresses (`host:port`, URLs; see constructs/wiring/_addresses.ts for what counts as one) in
 *   ConfigMap `data`, Secret `stringData` and `data`, container `command`/`args`/`env[].value` and
 *   the specs of the operators' resources (OpenTelemetryCollector, Instrumentation, Jaeger) are a
 *   Service of the input with that port, in one of its DNS forms (Strimzi's Services made from a
 *   `Kafka` count), or are declared external, or point outside the input's namespaces.
 * Configuration files are read as YAML or JSON documents when they parse, so that a finding names
 * the field: the collector's, Jaeger's and Tempo's configuration, Grafana datasources.
 */
import { findAddresses, isBindOrLoopback, type FoundAddress } from '../wiring/_addresses';
import { isRecord, isString, list, objectRef, rec, str, stringMap, unmetLabelSelector, unmetMatchLabels, type Json, type Manifest } from '../wiring/_json';
import { configurationStrings, customResourceStrings } from '../wiring/flow-graph';
import { isHeadless, servingPorts, StackIndex, type ContainerPort, type PodTemplate } from '../wiring/stack-index';
import type { ObjectFinding } from './finding';
import { ruleById } from './rules';

/** Options of {@link wiringFindings}. */
export interface WiringCheckOptions {
  /**
   * Objects that exist without being in the input, as `Kind/name` (`Secret/es-credentials`,
   * `ConfigMap/ca-bundle`, `ServiceAccount/deployer`, `PersistentVolumeClaim/data`), any namespace.
   * @default - none
   */
  readonly provided?: readonly string[];
  /**
   * Addresses outside the input that configuration may use, as `host:port` as written
   * (`es.example.com:443`, `elasticsearch:9200`). A leading `*.` matches any subdomain.
   * @default - none
   */
  readonly externalEndpoints?: readonly string[];
  /** Namespace of objects that set none (where `kubectl apply` would put them). @default 'default' */
  readonly defaultNamespace?: string;
  /** Cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain?: string;
}

/** ClusterRoles every cluster has (besides `system:*`). */
const BUILTIN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

/** ConfigMaps Kubernetes publishes in every namespace. */
const BUILTIN_CONFIGMAPS = new Set(['kube-root-ca.crt']);

/** Wiring findings of `objects`. */
export function wiringFindings(objects: readonly Manifest[], options: WiringCheckOptions = {}): ObjectFinding[] {
  return new WiringCheck(objects, options).run();
}

class WiringCheck {
  private readonly findings: ObjectFinding[] = [];
  private readonly index: StackIndex;
  private readonly externals: readonly string[];
  private readonly provided: ReadonlySet<string>;
  /** Namespaces the input holds objects of (or creates). */
  private readonly namespaces = new Set<string>();
  /** Notes (info findings) said once per subject: the finding, and who else needs the subject. */
  private readonly notes = new Map<string, { finding: { message: string }; message: string; references: number; objects: Set<string> }>();

  constructor(private readonly objects: readonly Manifest[], options: WiringCheckOptions) {
    this.index = new StackIndex(objects, { defaultNamespace: options.defaultNamespace, clusterDomain: options.clusterDomain, operatorWorkloads: true });
    this.externals = (options.externalEndpoints ?? []).map((e) => e.toLowerCase());
    this.provided = new Set(options.provided ?? []);
    for (const o of objects) {
      const ns = this.index.namespaceOf(o);
      if (ns !== '') this.namespaces.add(ns);
      if (o.kind === 'Namespace' && typeof o.metadata?.name === 'string') this.namespaces.add(o.metadata.name);
    }
  }

  run(): ObjectFinding[] {
    for (const t of this.index.templates) {
      if (t.operator) continue;
      this.checkWorkloadSelector(t);
      this.checkPod(t);
    }
    for (const o of this.objects) {
      const spec = rec(o.spec) ?? {};
      switch (o.kind) {
        case 'Service': this.checkService(o, spec); break;
        case 'StatefulSet': this.checkGoverningService(o, spec); break;
        case 'Ingress': this.checkIngress(o, spec); break;
        case 'HorizontalPodAutoscaler': this.checkScaleTarget(o, spec); break;
        case 'PodDisruptionBudget': this.checkPdb(o, spec); break;
        case 'RoleBinding':
        case 'ClusterRoleBinding': this.checkBinding(o); break;
        case 'ConfigMap':
          for (const { path, text } of configurationStrings(o)) this.scanText(o, this.index.namespaceOf(o), path, text);
          break;
        case 'Secret':
          for (const { path, text } of secretStrings(o)) this.scanText(o, this.index.namespaceOf(o), path, text);
          break;
        // Custom resources whose operators turn their spec into configuration and environment.
        case 'OpenTelemetryCollector':
        case 'Instrumentation':
        case 'Jaeger':
          for (const { path, text } of customResourceStrings(o)) this.scanText(o, this.index.namespaceOf(o), path, text);
          break;
        default: break;
      }
    }
    for (const note of this.notes.values()) {
      if (note.references < 2) continue;
      const objects = [...note.objects];
      const shown = objects.length > 4 ? `${objects.slice(0, 4).join(', ')} and ${objects.length - 4} more` : objects.join(', ');
      note.finding.message = `${note.message} (${note.references} references, from ${shown})`;
    }
    return this.findings;
  }

  /** An info finding about `subject`, said once: later references are counted in its message. */
  private note(ruleId: string, subject: string, o: Manifest, path: string, message: string): void {
    const key = `${ruleId}|${subject}`;
    const existing = this.notes.get(key);
    if (existing) {
      existing.references++;
      existing.objects.add(objectRef(o));
      return;
    }
    const finding = { ruleId, severity: ruleById(ruleId).severity, object: o, path, message };
    this.findings.push(finding);
    this.notes.set(key, { finding, message, references: 1, objects: new Set([objectRef(o)]) });
  }

  private add(ruleId: string, o: Manifest, path: string, message: string): void {
    this.findings.push({ ruleId, severity: ruleById(ruleId).severity, object: o, path, message });
  }

  private isProvided(kind: string, name: string): boolean {
    return this.provided.has(`${kind}/${name}`);
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
      this.add('wiring/workload-selector', t.owner, path, `does not select the pod template's labels (${path.replace(/selector$/, 'template')}/metadata/labels ${formatLabels(t.labels)}): unmet ${unmet.join(', ')}`);
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
            if (problem) this.add('wiring/container-port', o, `${pPath}/name`, `port name '${name}' is not a valid IANA service name: ${problem}`);
            const seen = names.get(name);
            if (seen) this.add('wiring/container-port', o, `${pPath}/name`, `port name '${name}' is already used in this pod at ${seen}`);
            else names.set(name, pPath);
          }
          if (number !== undefined) {
            const seen = numbers.get(`${number}/${protocol}`);
            if (seen) this.add('wiring/container-port', o, `${pPath}/containerPort`, `containerPort ${number}/${protocol} is already declared in this pod at ${seen}`);
            else numbers.set(`${number}/${protocol}`, pPath);
          }
        });
        for (const mountField of ['volumeMounts', 'volumeDevices']) {
          list(container[mountField]).forEach((m, j) => {
            const name = str(rec(m)?.name);
            if (name !== undefined && !volumes.has(name)) {
              this.add('wiring/volume-mount', o, `${cPath}/${mountField}/${j}/name`, `no volume '${name}' in the pod (volumes: ${formatList([...volumes])})`);
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
    if (sa !== undefined && sa !== '' && sa !== 'default' && !this.index.find('ServiceAccount', t.namespace, sa) && !this.isProvided('ServiceAccount', sa)) {
      this.add('wiring/service-account-missing', o, `${specPath}/${saField}`, `no ServiceAccount '${sa}' in namespace '${t.namespace}'`);
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
    const claim = str(rec(volume.persistentVolumeClaim)?.claimName);
    if (claim !== undefined && !this.index.find('PersistentVolumeClaim', t.namespace, claim) && !this.isProvided('PersistentVolumeClaim', claim)) {
      this.add('wiring/pvc-missing', o, `${path}/persistentVolumeClaim/claimName`, `no PersistentVolumeClaim '${claim}' in namespace '${t.namespace}'`);
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
  private checkConfigMapRef(o: Manifest, namespace: string, namePath: string, ref: Json, keys: ReadonlyArray<KeyRef>): void {
    const name = str(ref.name);
    if (name === undefined || ref.optional === true) return;
    const cm = this.index.find('ConfigMap', namespace, name);
    if (!cm) {
      if (!BUILTIN_CONFIGMAPS.has(name) && !this.isProvided('ConfigMap', name)) {
        this.add('wiring/configmap-missing', o, namePath, `no ConfigMap '${name}' in namespace '${namespace}'`);
      }
      return;
    }
    const available = [...Object.keys(rec(cm.data) ?? {}), ...Object.keys(rec(cm.binaryData) ?? {})];
    for (const k of keys) {
      if (!available.includes(k.key)) this.add('wiring/configmap-key', o, k.path, `key '${k.key}' is not in ConfigMap/${name} (keys: ${formatList(available)})`);
    }
  }

  /** As checkConfigMapRef, for a Secret. */
  private checkSecretRef(o: Manifest, namespace: string, namePath: string, ref: Json, keys: ReadonlyArray<KeyRef>): void {
    const name = str(ref.name);
    if (name === undefined || ref.optional === true) return;
    const secret = this.index.find('Secret', namespace, name);
    if (!secret) {
      if (!this.isProvided('Secret', name)) {
        this.note('wiring/secret-missing', `${namespace}/${name}`, o, namePath, `Secret '${name}' is not in the input: it must exist in namespace '${namespace}' before the pods start`);
      }
      return;
    }
    const available = [...Object.keys(rec(secret.data) ?? {}), ...Object.keys(rec(secret.stringData) ?? {})];
    for (const k of keys) {
      if (!available.includes(k.key)) this.add('wiring/secret-key', o, k.path, `key '${k.key}' is not in Secret/${name} (keys: ${formatList(available)})`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Services, StatefulSets, Ingresses, autoscaling, disruption budgets, RBAC

  private checkService(o: Manifest, spec: Json): void {
    const ns = this.index.namespaceOf(o);
    const ports = list(spec.ports).map(rec);
    if (ports.length > 1) {
      const seen = new Map<string, number>();
      ports.forEach((p, i) => {
        const name = str(p?.name);
        if (name === undefined) {
          this.add('wiring/service-port-name', o, `/spec/ports/${i}/name`, 'a Service with more than one port must name every port');
        } else if (seen.has(name)) {
          this.add('wiring/service-port-name', o, `/spec/ports/${i}/name`, `port name '${name}' is already used by /spec/ports/${seen.get(name)}`);
        } else {
          seen.set(name, i);
        }
      });
    }
    if (spec.type === 'ExternalName') return;
    const selector = stringMap(spec.selector);
    if (Object.keys(selector).length === 0) return; // endpoints managed outside the Service
    const selected = this.index.templatesWithLabels(ns, selector);
    if (selected.length === 0) {
      this.add('wiring/service-selector', o, '/spec/selector', `selects no pod template in namespace '${ns}' (selector ${formatLabels(selector)})`);
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
          this.add('wiring/service-target-port', o, tPath, `${what} is not declared by ${objectRef(t.owner)} (${t.path || '/'}); it declares ${formatList(cports.map(describePort))}`);
        }
      }
    });
  }

  private checkGoverningService(o: Manifest, spec: Json): void {
    const name = str(spec.serviceName);
    if (name === undefined || name === '') return;
    const ns = this.index.namespaceOf(o);
    const svc = this.index.find('Service', ns, name);
    if (!svc) {
      if (!this.isProvided('Service', name)) this.add('wiring/statefulset-service-name', o, '/spec/serviceName', `no Service '${name}' in namespace '${ns}': the pods get no stable DNS names`);
    } else if (!isHeadless(svc)) {
      this.add('wiring/statefulset-service-headless', o, '/spec/serviceName', `Service/${name} is not headless (clusterIP: None), so the pods get no DNS names of their own`);
    }
  }

  private checkIngress(o: Manifest, spec: Json): void {
    const ns = this.index.namespaceOf(o);
    const backends: Array<[string, Json | undefined]> = [['/spec/defaultBackend', rec(spec.defaultBackend)]];
    list(spec.rules).forEach((r, i) => {
      list(rec(rec(r)?.http)?.paths).forEach((p, j) => backends.push([`/spec/rules/${i}/http/paths/${j}/backend`, rec(rec(p)?.backend)]));
    });
    for (const [path, backend] of backends) {
      const service = rec(backend?.service);
      const name = str(service?.name);
      if (!service || name === undefined) continue;
      const svc = this.index.find('Service', ns, name);
      if (!svc) {
        this.add('wiring/ingress-backend', o, `${path}/service/name`, `no Service '${name}' in namespace '${ns}'`);
        continue;
      }
      const port = rec(service.port);
      const svcPorts = list(rec(svc.spec)?.ports).map(rec);
      if (typeof port?.number === 'number' && !svcPorts.some((p) => p?.port === port.number)) {
        this.add('wiring/ingress-backend', o, `${path}/service/port/number`, `Service/${name} has no port ${port.number} (ports: ${formatList(svcPorts.map((p) => String(p?.port)))})`);
      }
      if (typeof port?.name === 'string' && !svcPorts.some((p) => p?.name === port.name)) {
        this.add('wiring/ingress-backend', o, `${path}/service/port/name`, `Service/${name} has no port named '${port.name}' (names: ${formatList(svcPorts.map((p) => str(p?.name)).filter(isString))})`);
      }
    }
    list(spec.tls).forEach((t, i) => {
      const secretName = str(rec(t)?.secretName);
      if (secretName !== undefined) this.checkSecretRef(o, ns, `/spec/tls/${i}/secretName`, { name: secretName }, []);
    });
  }

  private checkScaleTarget(o: Manifest, spec: Json): void {
    const ref = rec(spec.scaleTargetRef);
    const kind = str(ref?.kind);
    const name = str(ref?.name);
    if (!ref || kind === undefined || name === undefined) return;
    const ns = this.index.namespaceOf(o);
    const target = this.index.find(kind, ns, name);
    if (!target) {
      this.add('wiring/hpa-target', o, '/spec/scaleTargetRef', `no ${kind} '${name}' in namespace '${ns}'`);
    } else if (typeof ref.apiVersion === 'string' && ref.apiVersion !== target.apiVersion) {
      this.add('wiring/hpa-target', o, '/spec/scaleTargetRef/apiVersion', `${kind}/${name} has apiVersion '${target.apiVersion}', not '${ref.apiVersion}'`);
    }
  }

  private checkPdb(o: Manifest, spec: Json): void {
    const selector = rec(spec.selector);
    if (!selector) return;
    const ns = this.index.namespaceOf(o);
    if (this.index.templatesSelectedByLabelSelector(ns, selector).length === 0) {
      this.add('wiring/pdb-selector', o, '/spec/selector', `selects no pod template in namespace '${ns}'`);
    }
  }

  private checkBinding(o: Manifest): void {
    const ns = this.index.namespaceOf(o);
    const roleRef = rec(o.roleRef);
    const kind = str(roleRef?.kind);
    const name = str(roleRef?.name);
    if (kind === 'Role' && name !== undefined && !this.index.find('Role', ns, name) && !this.isProvided('Role', name)) {
      this.add('wiring/role-missing', o, '/roleRef/name', `no Role '${name}' in namespace '${ns}'`);
    }
    if (kind === 'ClusterRole' && name !== undefined && !this.index.find('ClusterRole', '', name)
      && !BUILTIN_CLUSTER_ROLES.has(name) && !name.startsWith('system:') && !this.isProvided('ClusterRole', name)) {
      this.add('wiring/cluster-role-missing', o, '/roleRef/name', `no ClusterRole '${name}' in the input, and it is not a built-in one`);
    }
    list(o.subjects).forEach((s, i) => {
      const subject = rec(s);
      if (subject?.kind !== 'ServiceAccount') return;
      const saName = str(subject.name);
      const saNs = str(subject.namespace) ?? ns;
      if (saName === undefined || saName === 'default' || !this.namespaces.has(saNs)) return;
      if (!this.index.find('ServiceAccount', saNs, saName) && !this.isProvided('ServiceAccount', saName)) {
        this.add('wiring/service-account-missing', o, `/subjects/${i}`, `no ServiceAccount '${saName}' in namespace '${saNs}'`);
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // addresses in configuration

  private scanText(o: Manifest, namespace: string, path: string, text: string): void {
    for (const address of findAddresses(text)) {
      if (isBindOrLoopback(address.host)) continue;
      this.checkAddress(o, namespace, path, address);
    }
  }

  private checkAddress(o: Manifest, fromNamespace: string, path: string, address: FoundAddress): void {
    const hostPort = `${address.host}:${address.port}`;
    if (this.externals.some((e) => e === hostPort || (e.startsWith('*.') && hostPort.endsWith(e.slice(1))))) return;
    const resolved = this.index.resolveAddress(address, fromNamespace);
    if (resolved.kind === 'service') return;
    if (resolved.kind === 'no-port') {
      this.add('wiring/address-port', o, path, `address '${address.text}' names Service/${resolved.service.metadata.name} (namespace '${resolved.namespace}'), which has no port ${address.port} (ports: ${formatList(resolved.ports.map(String))})`);
      return;
    }
    // The most likely reading of the name decides whether it points into the input.
    const first = resolved.candidates[0];
    if (first && !first.pod && first.service === 'kubernetes' && first.namespace === 'default') return; // the API server's Service, in every cluster
    const looked = resolved.candidates.map((c) => `'${c.service}' in namespace '${c.namespace}'${c.pod ? ' (headless)' : ''}`).join(' or ');
    if (first && this.namespaces.has(first.namespace)) {
      this.add('wiring/address-unresolved', o, path, `address '${address.text}' names no Service of the input (no Service ${looked})`);
    } else {
      const where = !first ? 'not the DNS name of a Service' : first.pod ? "not a Service of the input's namespaces" : `Service '${first.service}' of namespace '${first.namespace}', which the input does not hold`;
      this.note('wiring/address-external', hostPort, o, path, `address '${address.text}' is outside the input (${where}): ${hostPort} must be reachable from the cluster`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

interface KeyRef {
  readonly key: string;
  readonly path: string;
}

/**
 * The configuration strings of a Secret: `stringData` as configurationStrings reads it, and each
 * `data` value that decodes to UTF-8 text (paths name `/data/<key>`).
 */
function secretStrings(o: Manifest): Array<{ readonly path: string; readonly text: string }> {
  const out = [...configurationStrings(o)];
  const data = rec(o.data);
  if (!data) return out;
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') continue;
    const text = Buffer.from(value, 'base64').toString('utf8');
    if (!text.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F]/.test(text)) decoded[key] = text;
  }
  if (Object.keys(decoded).length === 0) return out;
  const asStringData = { ...o, stringData: decoded } as Manifest;
  for (const { path, text } of configurationStrings(asStringData)) {
    out.push({ path: path.replace(/^\/stringData\//, '/data/'), text });
  }
  return out;
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
