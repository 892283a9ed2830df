import { IConstruct } from 'constructs';
import { ErrorScope, propError } from '../_errors';
import { ISpanReceiver } from '../ingress/tracing-ingress';

const isReceiver = (c: unknown): c is ISpanReceiver & IConstruct =>
  typeof (c as ISpanReceiver | undefined)?.spanEndpoint === 'function' && typeof (c as IConstruct).node === 'object';

/**
 * Throws if `receiver` is a tier that must only be reached through a load balancer by trace id
 * (`loadBalancedByTraceId`, as the sampling tier of a {@link TailSamplingGateway}): spans sent to it
 * directly go through its plain Service, so the spans of one trace land on different instances and
 * each decides on a fragment. The error names what to send to instead: the gateway (whose
 * `spanEndpoint` is its load-balancing tier) or that tier.
 */
export function requireEntryTier(scope: ErrorScope, field: string, receiver: ISpanReceiver): void {
  if (!receiver?.loadBalancedByTraceId) return;
  const tier: IConstruct | undefined = isReceiver(receiver) ? receiver : undefined;
  const path = tier ? tier.node.path : String(receiver);
  // The gateway is the tier's parent receiver; its load-balancing tier the sibling receiver that is not load-balanced to.
  const gateway = tier?.node.scope;
  const loadBalancer = isReceiver(gateway)
    ? gateway.node.children.find(c => c !== tier && isReceiver(c) && !c.loadBalancedByTraceId)
    : undefined;
  const entry = isReceiver(gateway) && loadBalancer
    ? `the TailSamplingGateway ${gateway.node.path} itself or its load-balancing tier ${loadBalancer.node.path}`
    : `the load balancer by trace id in front of ${path} (a collector whose loadBalanceTo is its headless Service)`;
  throw propError(scope, field, path, `${entry} (${path} is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment)`);
}
