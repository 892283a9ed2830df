import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';

/** A synthesized Kubernetes object, as tests read it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** A fresh chart in a namespace, in its own test app. */
export function testChart(namespace = 'tracing'): Chart {
  return new Chart(Testing.app(), 'test', { namespace, disableResourceNameHashes: true });
}

/** The chart's objects. */
export function synth(chart: Chart): Manifest[] {
  return Testing.synth(chart) as Manifest[];
}

/** The one object of a kind and name; fails the test if absent. */
export function find(objects: Manifest[], kind: string, name: string): Manifest & Record<string, any> {
  const found = objects.filter(o => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}/${name}, found ${found.length}; have: ${objects.map(o => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return found[0] as Manifest & Record<string, any>;
}

/** All objects of a kind. */
export function ofKind(objects: Manifest[], kind: string): Array<Manifest & Record<string, any>> {
  return objects.filter(o => o.kind === kind) as Array<Manifest & Record<string, any>>;
}

/** A YAML or JSON file from a ConfigMap, parsed. */
export function configFile(objects: Manifest[], configMap: string, key: string): any {
  const cm = find(objects, 'ConfigMap', configMap);
  const text = cm.data?.[key];
  if (typeof text !== 'string') throw new Error(`ConfigMap/${configMap} has no key ${key}`);
  return parse(text);
}
