// `pulumi up` in this folder deploys the production tracing stack to the cluster of the current
// kubeconfig context (install the Strimzi operator first, and create the Secrets listed in the
// `prerequisites` output: `pulumi preview` shows them).
import * as pulumi from '@pulumi/pulumi';
import { productionTracing } from './production';

const config = new pulumi.Config();
const tracing = productionTracing('tracing', {
  namespace: config.get('namespace'),
  elasticsearchUrl: config.get('elasticsearchUrl'),
  uiHost: config.get('uiHost'),
  samplingRatio: config.getNumber('samplingRatio'),
  skipAwait: config.getBoolean('skipAwait'),
});

export const namespace = tracing.namespace;
export const uiUrl = tracing.uiUrl;
export const otlpGrpcEndpoint = tracing.otlpGrpcEndpoint;
export const otlpHttpEndpoint = tracing.otlpHttpEndpoint;
export const prerequisites = tracing.prerequisites;
