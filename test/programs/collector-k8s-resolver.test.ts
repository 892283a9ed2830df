/**
 * The load-balancing tier of a `TailSamplingGateway` with its `k8s` resolver exactly as generated,
 * against a real kube-apiserver v1.37 (over a fresh etcd), with the generated RBAC.
 *
 * The gateway's objects are created for real from the synthesized chart (ServiceAccounts, Role,
 * RoleBinding, headless Service and the rest). The test then plays the parts a cluster plays:
 * - the endpoint-slice controller: it creates the EndpointSlice of the headless Service listing
 *   two ready sampling pods;
 * - the kubelet: it gets a token for the load balancer's ServiceAccount from the TokenRequest API
 *   and hands it to the collector (here in a kubeconfig named by `KUBECONFIG`, which the resolver's
 *   client, controller-runtime's `config.GetConfig()`, reads; in a pod it reads the mounted token);
 * - the pod network: the two pod IPs are reached through an HTTP CONNECT proxy that routes
 *   `<pod IP>:4317` to the two sampling instances on loopback (test/_support/pod-network.ts says
 *   why loopback addresses cannot be pod IPs: the API server refuses them in an EndpointSlice).
 *
 * Only listen addresses are rewritten to loopback; the `loadbalancing` exporter, resolver included,
 * runs as generated. Proven:
 * - the ServiceAccount's token may `list` and `watch` EndpointSlices in the gateway's namespace and
 *   nothing else that was asked (RBAC, answered by the server's authorizer);
 * - with it, the load-balancing tier lists and watches the EndpointSlices of `<name>-headless`,
 *   dials exactly `<pod IP>:4317` of both pods, and sends every span of a trace (each span in its
 *   own request) to the same one of the two sampling instances, both getting traces;
 * - without the generated RoleBinding the API server answers `forbidden`, the tier never becomes
 *   ready and dials nothing; once the RoleBinding is created again, the same process resolves.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { SpanKind } from '@opentelemetry/api';
import { Duration } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { JaegerAllInOne, OtelCollector, SamplingPolicy, SpanProtocol, TailSamplingGateway } from '../../constructs';
import { CollectorPorts } from '../../constructs/otel/collector-ports';
import {
  CollectorDoc, healthStatus, isListenRewrite, launchCollector, spanIdsInJaeger, startCollector, StartedCollector, startedTogether, StartedJaeger, startJaeger,
} from '../_support/collector';
import { describeWithKubeApiServer, KUBE_APISERVER_VERSION, KubeApiServer } from '../_support/kube-apiserver';
import { SdkProtocol, SdkSpan, SentSdkSpan, sendSpanWithSdk } from '../_support/otel-sdk';
import { PodNetwork } from '../_support/pod-network';
import { describeWithProgram, OTELCOL_VERSION, PROGRAMS, tempDir, waitFor } from '../_support/programs';
import { find, synth, testChart } from '../_support/synth';

const NAMESPACE = 'telemetry';
/**
 * The two sampling pods' IPs (TEST-NET-2, RFC 5737: nothing on any network answers there, so a
 * span can reach a sampling instance only through the pod network's routes).
 */
const POD_IPS = ['198.51.100.2', '198.51.100.3'];

const chart = testChart(NAMESPACE);
const jaeger = new JaegerAllInOne(chart, 'jaeger');
const gateway = new TailSamplingGateway(chart, 'sampling', {
  policy: new SamplingPolicy({ ratio: 1, tail: { decisionWait: Duration.seconds(1) } }),
  exportTo: [jaeger],
});
const objects = synth(chart);
/** A collector's generated configuration, from its ConfigMap. */
const configOf = (c: OtelCollector) => parse(find(objects, 'ConfigMap', c.configMap.name).data['config.yaml']) as CollectorDoc;
const textOf = (o: object) => stringify(o, { lineWidth: 0 });
const loadBalancer = gateway.loadBalancer;
const lbServiceAccount = loadBalancer.serviceAccount.name;
const headless = find(objects, 'Service', gateway.headlessService.name);
const roleBinding = find(objects, 'RoleBinding', gateway.roleBinding!.name);
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * The EndpointSlice the endpoint-slice controller writes for the headless Service when its
 * selector matches two ready pods (no controller manager runs here): labelled with the Service's
 * name, owned by it, one port per Service port, resolved to the container port its `targetPort`
 * names in the sampling tier's pod template.
 */
function endpointSlice(serviceUid: string): object {
  const containerPorts = find(objects, 'Deployment', gateway.sampler.workload.name).spec.template.spec.containers
    .flatMap((c: any) => c.ports ?? []) as Array<{ name: string; containerPort: number }>;
  const service = headless as any;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: NAMESPACE,
      labels: {
        ...service.metadata.labels,
        'kubernetes.io/service-name': service.metadata.name,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name, uid: serviceUid, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: POD_IPS.map(ip => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
    ports: service.spec.ports.map((p: any) => ({
      name: p.name,
      port: containerPorts.find(c => c.name === p.targetPort)!.containerPort,
      protocol: p.protocol,
      appProtocol: p.appProtocol,
    })),
  };
}

const [describeKubeApiServer, kubePrograms] = describeWithKubeApiServer();
const [, otelcol] = describeWithProgram(PROGRAMS.otelcol);
const [, jaegerBin] = describeWithProgram(PROGRAMS.jaeger);
const describeAll = kubePrograms.kubeApiserver && otelcol && jaegerBin ? describeKubeApiServer : describe.skip;

describeAll(`TailSamplingGateway k8s resolver and RBAC: otelcol ${OTELCOL_VERSION} against kube-apiserver v${KUBE_APISERVER_VERSION}`, () => {
  const { startAll, stopAll } = startedTogether();
  let server: KubeApiServer | undefined;
  let podNetwork: PodNetwork | undefined;
  let token: string;
  let kubeconfig: string;
  const jaegers: StartedJaeger[] = [];
  /** The sampling instance of each pod IP, in POD_IPS order. */
  const samplers: StartedCollector[] = [];
  /** `<pod IP>:<container port>` of each sampling pod as the EndpointSlice lists it: where the pods listen. */
  let podAddresses: string[];

  beforeAll(async () => {
    const jaegerGrpc = jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort;
    const startBackends = async () => {
      jaegers.push(...await startAll([startJaeger(jaegerBin, objects, 'jaeger'), startJaeger(jaegerBin, objects, 'jaeger')]));
      // The same generated sampling configuration twice, each exporting to its own Jaeger, so
      // where a span lands tells which instance received it.
      samplers.push(...await startAll(jaegers.map(j => startCollector(otelcol, textOf(configOf(gateway.sampler)), {
        addresses: { [jaegerGrpc]: `127.0.0.1:${j.ports.get(4317)}` },
      }))));
    };
    // Both at once; whatever started is stopped in afterAll, even when the other failed.
    const started = await Promise.allSettled([KubeApiServer.start(kubePrograms).then(s => { server = s; }), startBackends()]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // Every object of the chart, for real, exactly as synthesized (nothing runs the Deployments).
    const s = server!;
    await s.createNamespace(NAMESPACE);
    const created = new Map<string, Record<string, any>>();
    for (const o of objects) created.set(`${o.kind}/${o.metadata.name}`, await s.create(textOf(o)));
    const slice = await s.create(textOf(endpointSlice(created.get(`Service/${headless.metadata.name}`)!.metadata.uid)));
    podAddresses = POD_IPS.map(ip => `${ip}:${slice.ports[0].port}`);
    podNetwork = await PodNetwork.start(Object.fromEntries(podAddresses.map((a, i) => [a, `127.0.0.1:${samplers[i].ports.get(CollectorPorts.OTLP_GRPC.port)}`])));

    // As the kubelet does for the pod's projected token.
    token = await s.serviceAccountToken(NAMESPACE, lbServiceAccount);
    kubeconfig = join(tempDir('k8s-resolver-kubeconfig'), 'kubeconfig');
    writeFileSync(kubeconfig, s.kubeconfig(token), { mode: 0o600 });
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await podNetwork?.stop();
    await server?.stop();
  }, 30_000);

  test('the generated objects wire the load balancer\'s ServiceAccount to list and watch EndpointSlices in its namespace, and to nothing else asked', async () => {
    const lbPod = find(objects, 'Deployment', loadBalancer.workload.name).spec.template.spec;
    expect({ serviceAccountName: lbPod.serviceAccountName, automount: find(objects, 'ServiceAccount', lbServiceAccount).automountServiceAccountToken }).toStrictEqual({ serviceAccountName: lbServiceAccount, automount: true });
    expect(configOf(loadBalancer).exporters.loadbalancing.resolver).toStrictEqual({ k8s: { service: `${headless.metadata.name}.${NAMESPACE}`, ports: [CollectorPorts.OTLP_GRPC.port], timeout: '60s' } });
    const may = (verb: string, resource: string, group = '', namespace = NAMESPACE) => server!.allowed(token, { verb, group, resource, namespace });
    const slices = 'endpointslices';
    const discovery = 'discovery.k8s.io';
    expect({
      list: await may('list', slices, discovery),
      watch: await may('watch', slices, discovery),
      get: await may('get', slices, discovery),
      create: await may('create', slices, discovery),
      delete: await may('delete', slices, discovery),
      listInDefault: await may('list', slices, discovery, 'default'),
      listInAllNamespaces: await may('list', slices, discovery, ''),
      listEndpoints: await may('list', 'endpoints'),
      listPods: await may('list', 'pods'),
      listServices: await may('list', 'services'),
      getSecrets: await may('get', 'secrets'),
    }).toStrictEqual({
      list: true, watch: true,
      get: false, create: false, delete: false, listInDefault: false, listInAllNamespaces: false,
      listEndpoints: false, listPods: false, listServices: false, getSecrets: false,
    });
    // The sampling tier's ServiceAccount has no such grant (the check can fail).
    const samplerToken = await server!.serviceAccountToken(NAMESPACE, gateway.sampler.serviceAccount.name);
    expect(await server!.allowed(samplerToken, { verb: 'list', group: discovery, resource: slices, namespace: NAMESPACE })).toBe(false);
  });

  test('the load-balancing tier resolves the headless Service\'s EndpointSlices and sends every span of a trace to the same one of the two sampling pods', async () => {
    const dialledBefore = podNetwork!.dialled.length;
    const [lb] = await startAll([startCollector(otelcol, textOf(configOf(loadBalancer)), { kubeconfig, env: podNetwork!.proxyEnv })]);
    // Only listen addresses moved; the exporter, resolver included, runs as generated.
    expect(lb.rewrites.filter(r => !isListenRewrite(r))).toStrictEqual([]);
    expect((parse(lb.yaml) as CollectorDoc).exporters).toStrictEqual(configOf(loadBalancer).exporters);

    // 20 traces of 3 spans, one request per span; the pause between rounds outlasts the tier's
    // batch timeout (200 ms), so the spans of one trace pass through it in different batches.
    const port = lb.ports.get(CollectorPorts.OTLP_HTTP.port)!;
    const send = (span: SdkSpan) => sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port }, 'k8s-resolver', span);
    const traces: SentSdkSpan[][] = [];
    for (let i = 0; i < 20; i++) traces.push([await send({ name: `GET /item/${i}`, kind: SpanKind.SERVER })]);
    for (const round of ['SELECT item', 'GET /price']) {
      await sleep(300);
      for (const t of traces) t.push(await send({ name: round, kind: SpanKind.CLIENT, parent: t[0] }));
    }
    const read = () => Promise.all(traces.map(t => Promise.all(jaegers.map(j => spanIdsInJaeger(j, t[0].traceId)))));
    const landed = await waitFor('every span of every trace in one of the two jaegers', async () => {
      const found = await read();
      return found.every(perJaeger => perJaeger.reduce((n, ids) => n + ids.length, 0) >= 3) ? found : undefined;
    }, 20_000, 250);
    await sleep(1_000); // the decision wait: let anything straggling arrive, then read again
    const final = await read();
    expect(final).toStrictEqual(landed);
    const where = traces.map((t, i) => {
      const all = t.map(s => s.spanId).sort();
      const [a, b] = final[i];
      expect({ trace: t[0].traceId, split: [a, b] }).toStrictEqual({ trace: t[0].traceId, split: a.length ? [all, []] : [[], all] });
      return a.length ? 0 : 1;
    });
    const onFirst = where.filter(w => w === 0).length;
    expect(onFirst).toBeGreaterThan(0);
    expect(onFirst).toBeLessThan(traces.length);
    // It dialled exactly the two pods: the EndpointSlice's addresses with the resolver's port, the pods' container port.
    expect([...new Set(podNetwork!.dialled.slice(dialledBefore))].sort()).toStrictEqual(podAddresses);
    const metrics = await (await fetch(`http://127.0.0.1:${lb.ports.get(CollectorPorts.METRICS.port)}/metrics`)).text();
    expect(metrics).toMatch(/^otelcol_loadbalancer_num_backends\{[^}]*resolver="k8s"[^}]*\} 2$/m);
    await lb.program.stop();
    process.stdout.write(`k8s resolver of otelcol ${OTELCOL_VERSION} with the generated RBAC, against kube-apiserver ${await server!.version()}: `
      + `${traces.length} traces of 3 spans, each span in its own request; ${onFirst} wholly on pod ${podAddresses[0]}, ${traces.length - onFirst} on pod ${podAddresses[1]}, none split\n`);
  }, 40_000);

  test('without the generated RoleBinding the API server answers forbidden and the tier never resolves; with it back, the same process does', async () => {
    const s = server!;
    await s.delete('rbac.authorization.k8s.io/v1', 'RoleBinding', roleBinding.metadata.name, NAMESPACE);
    await waitFor('RBAC to deny listing EndpointSlices', async () =>
      await s.allowed(token, { verb: 'list', group: 'discovery.k8s.io', resource: 'endpointslices', namespace: NAMESPACE }) ? undefined : true, 10_000, 100);

    const dialledBefore = podNetwork!.dialled.length;
    const [lb] = await startAll([launchCollector(otelcol, textOf(configOf(loadBalancer)), { kubeconfig, env: podNetwork!.proxyEnv })]);
    // client-go's reflector logs it through klog, quotes escaped.
    const q = '\\\\?"';
    const forbidden = new RegExp(`endpointslices\\.discovery\\.k8s\\.io is forbidden: User ${q}system:serviceaccount:${NAMESPACE}:${lbServiceAccount}${q} `
      + `cannot list resource ${q}endpointslices${q} in API group ${q}discovery\\.k8s\\.io${q} in the namespace ${q}${NAMESPACE}${q}`);
    await waitFor('the API server\'s forbidden in the collector log', async () => forbidden.test(lb.program.log) ? true : undefined, 10_000, 100)
      .catch(e => { throw new Error(`${e}\n${lb.program.log}`); });
    // The exporter waits for its first list before the collector starts its receivers: nothing is
    // ready, nothing is dialled.
    await sleep(2_000);
    const healthPort = lb.ports.get(CollectorPorts.HEALTH.port)!;
    const otlpPort = lb.ports.get(CollectorPorts.OTLP_HTTP.port)!;
    expect(lb.program.running).toBe(true);
    expect(await healthStatus(healthPort)).toBe(503);
    await expect(sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port: otlpPort }, 'k8s-resolver', { name: 'GET /nowhere' })).rejects.toThrow(/export to 127\.0\.0\.1:\d+ failed/);
    expect(podNetwork!.dialled.slice(dialledBefore)).toStrictEqual([]);

    // The generated RoleBinding again, as synthesized: the informer's next retry lists.
    const start = Date.now();
    await s.create(textOf(roleBinding));
    await waitFor('the collector health_check to answer 200', async () => await healthStatus(healthPort) === 200 ? true : undefined, 20_000, 100);
    const recoveredMs = Date.now() - start;
    const sent = await sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port: otlpPort }, 'k8s-resolver', { name: 'GET /somewhere', kind: SpanKind.SERVER });
    await waitFor(`trace ${sent.traceId} in one of the two jaegers`, async () =>
      (await Promise.all(jaegers.map(j => spanIdsInJaeger(j, sent.traceId)))).flat().length === 1 ? true : undefined, 10_000, 200);
    expect([...new Set(podNetwork!.dialled.slice(dialledBefore))].sort()).toStrictEqual(podAddresses);
    await lb.program.stop();
    process.stdout.write(`without the RoleBinding: "${forbidden.exec(lb.program.log)![0].replace(/\\"/g, '"')}", not ready, nothing dialled; ready ${recoveredMs} ms after it was created again\n`);
  }, 45_000);
});
