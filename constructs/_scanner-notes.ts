import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PART_OF } from './_labels';
import { holdsPodSpec, podSpecOf } from './_pod';

/**
 * Manifest scanners (Checkov) flag some of this library's deliberate choices. Each such choice is
 * written on the object that makes it, as the scanner's own suppression annotation
 * (`checkov.io/skip<n>: <check id>=<reason>`), so that a scan of the manifests is clean and a
 * reader sees why. A note is added only where the object really makes that choice: a workload
 * given a CPU limit, a digest or `imagePullPolicy: Always` gets no note for it.
 */
const ANNOTATION_PREFIX = 'checkov.io/skip';

type Json = Record<string, any>;

interface Deliberate {
  /** The scanner's check id. */
  readonly id: string;
  /** Why, when `pod` (of `object`) makes this choice; undefined when it does not. */
  reason(pod: Json, object: Json): string | undefined;
}

const containersOf = (pod: Json): Json[] => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
const secretEnv = (pod: Json): string[] => containersOf(pod).flatMap(c => (c.env ?? []).filter((e: Json) => e.valueFrom?.secretKeyRef).map((e: Json) => e.name as string));

const DELIBERATE: readonly Deliberate[] = [
  {
    id: 'CKV_K8S_11',
    reason: pod => (containersOf(pod).some(c => !c.resources?.limits?.cpu)
      ? 'no CPU limit by design: a limit throttles bursts (CFS quota) while the request reserves the CPU; set resources.cpuLimit to cap it'
      : undefined),
  },
  {
    id: 'CKV_K8S_15',
    reason: pod => (containersOf(pod).some(c => c.imagePullPolicy !== 'Always')
      ? 'the image is pinned to a release tag, so IfNotPresent spares a registry round trip per pod start; set imagePullPolicy: Always to pull on every start'
      : undefined),
  },
  {
    id: 'CKV_K8S_43',
    reason: pod => (containersOf(pod).some(c => typeof c.image === 'string' && !c.image.includes('@'))
      ? 'the image is pinned to a release tag that the test suite runs; set image to <name>@sha256:<digest> to pin its content'
      : undefined),
  },
  {
    id: 'CKV_K8S_35',
    reason: pod => {
      const names = secretEnv(pod);
      if (names.length === 0) return undefined;
      return names.includes('ES_PASSWORD')
        ? `${names.join(', ')} from the user's Secret: the Elasticsearch index tools read credentials only from these variables`
        : `${names.join(', ')} from the user's Secret: Jaeger's configuration reads the user name from the environment (the password is mounted as a file)`;
    },
  },
  {
    id: 'CKV_K8S_38',
    reason: pod => (pod.automountServiceAccountToken === true
      ? 'automountServiceAccountToken is true on purpose (by default only on a load-balancing tier, whose k8s resolver watches EndpointSlices with the token; its Role allows only list and watch on them)'
      : undefined),
  },
];

/**
 * The notes of one object, as annotations numbered after the user's own `checkov.io/skip<n>`
 * (on the object, or coming from the chart's defaults).
 */
function notesOf(object: ApiObject, chartAnnotations: Record<string, string>): Record<string, string> {
  // Rendering an object resolves its configuration: only workloads are worth it.
  if (!holdsPodSpec(object.kind)) return {};
  const json = object.toJson() as Json;
  const pod = podSpecOf(json as { kind: string });
  if (!pod) return {};
  const annotations: Record<string, string> = { ...chartAnnotations, ...(json.metadata?.annotations ?? {}) };
  const ours = (key: string) => DELIBERATE.some(d => annotations[key].startsWith(`${d.id}=`)) && !(key in chartAnnotations);
  let n = Object.keys(annotations).filter(k => k.startsWith(ANNOTATION_PREFIX) && !ours(k)).length;
  const notes: Record<string, string> = {};
  for (const d of DELIBERATE) {
    const reason = d.reason(pod, json);
    if (reason) notes[`${ANNOTATION_PREFIX}${++n}`] = `${d.id}=${reason}`;
  }
  return notes;
}

const NOTED = new WeakSet<Chart>();

/**
 * Registers, once per chart, the pass that writes the notes on every workload this library makes
 * in it (at synthesis, when the objects are complete). `chartAnnotations` gives the annotations
 * that the chart's defaults put on every object.
 */
export function noteDeliberateFindings(scope: IConstruct, chartAnnotations: () => Record<string, string>): void {
  const chart = Chart.of(scope);
  if (NOTED.has(chart)) return;
  NOTED.add(chart);
  chart.node.addValidation({
    validate: () => {
      for (const c of chart.node.findAll()) {
        if (!ApiObject.isApiObject(c) || Chart.of(c) !== chart || c.metadata.getLabel('app.kubernetes.io/part-of') !== PART_OF) continue;
        for (const [key, value] of Object.entries(notesOf(c, chartAnnotations()))) c.metadata.addAnnotation(key, value);
      }
      return [];
    },
  });
}
