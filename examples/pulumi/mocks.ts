// Checks the example without a cluster or the Pulumi CLI (`npx tsx mocks.ts`): runs the production
// stack under Pulumi's mocks and prints how many objects it registered; fails unless that is every
// object of its chart. scripts/check-consumer.sh runs it against the packed library.
import * as pulumi from '@pulumi/pulumi';

const registered: string[] = [];
pulumi.runtime.setMocks({
  newResource: args => {
    if (args.type.startsWith('kubernetes:') && !args.id) registered.push(`${args.type} ${args.name}`);
    return { id: args.id || args.name, state: args.inputs };
  },
  call: args => args.inputs,
}, 'tracing-production', 'consumer', false);

async function main(): Promise<void> {
  const { productionChart, productionTracing } = await import('./production');
  const tracing = productionTracing('tracing');
  const url = await new Promise<string | undefined>(resolve => tracing.otlpHttpEndpoint.apply(v => { resolve(v); return v; }));
  const expected = productionChart('tracing').toJson().length;
  if (registered.length !== expected || url !== 'http://otel-sampling-lb.tracing.svc:4318') {
    throw new Error(`registered ${registered.length} objects (the chart has ${expected}), OTLP endpoint ${url}`);
  }
  console.log(expected);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
