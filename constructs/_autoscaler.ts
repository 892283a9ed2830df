import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { requireInteger } from './_errors';
import type { CollectorAutoscaling } from './jaeger/jaeger-collector';

/**
 * The HorizontalPodAutoscaler of a collector Deployment (Jaeger's or OpenTelemetry's), child id
 * `Autoscaler`: CPU (and optionally memory) utilization, scaling down one pod a minute after five
 * quiet minutes, because a collector that leaves drops the retries of its in-flight batches.
 */
export function collectorAutoscaler(scope: Construct, name: string, labels: Record<string, string>, a: CollectorAutoscaling): k8s.KubeHorizontalPodAutoscalerV2 {
  const min = a.minReplicas ?? 2;
  const max = a.maxReplicas ?? 10;
  requireInteger(scope, 'autoscaling.minReplicas', min, 1, 1000);
  requireInteger(scope, 'autoscaling.maxReplicas', max, min, 1000);
  const cpu = a.targetCpuUtilization ?? 70;
  requireInteger(scope, 'autoscaling.targetCpuUtilization', cpu, 1, 100);
  const metrics: k8s.MetricSpecV2[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }];
  if (a.targetMemoryUtilization !== undefined) {
    requireInteger(scope, 'autoscaling.targetMemoryUtilization', a.targetMemoryUtilization, 1, 100);
    metrics.push({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.targetMemoryUtilization } } });
  }
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Autoscaler', {
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: min,
      maxReplicas: max,
      metrics,
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  });
}
