import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { requireDnsLabel } from './_errors';

/**
 * The namespace of `scope`'s chart, which every object of the chart is rendered into and every
 * in-cluster address (`<service>.<namespace>.svc`) names; undefined when the chart has none. Throws,
 * naming the chart, unless it is a valid Namespace name: a DNS label of at most 63 characters.
 */
export function chartNamespace(scope: IConstruct): string | undefined {
  const chart = Chart.of(scope);
  const namespace = chart.namespace;
  if (namespace !== undefined) requireDnsLabel(chart, 'namespace', namespace, 63);
  return namespace;
}
