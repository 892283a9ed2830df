/**
 * The NetworkPolicy evaluator that judges the generated policies, on hand-written policies: each
 * rule of Kubernetes' semantics it applies, with an allowed and a denied case.
 */
import { inCidr, Pod, PolicyEvaluator, selects } from '../_support/network-policy';

const pod = (name: string, namespace: string, labels: Record<string, string>, ports: Pod['ports'] = [], ip = '10.244.0.1'): Pod => ({ name, namespace, labels, ip, ports });
const web = pod('web', 'app', { app: 'web' }, [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }], '10.244.0.10');
const client = pod('client', 'app', { app: 'client' }, [], '10.244.0.20');
const remote = pod('remote', 'other', { app: 'client' }, [], '10.244.1.20');
const monitor = pod('prometheus', 'monitoring', { app: 'prometheus' }, [], '10.244.2.20');

function policy(name: string, namespace: string, spec: Record<string, unknown>) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

const namespaces = { monitoring: { team: 'observability' } };

describe('PolicyEvaluator', () => {
  test('a pod no policy selects is open both ways', () => {
    const e = new PolicyEvaluator([policy('other', 'app', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress', 'Egress'] })]);
    expect(e.decide({ pod: client }, { pod: web }, 8080)).toStrictEqual({
      allowed: true, egress: 'egress of client: no policy selects it', ingress: 'ingress of web: no policy selects it',
    });
  });

  test('an Ingress policy without rules denies every connection in, not out', () => {
    const e = new PolicyEvaluator([policy('deny', 'app', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(e.decide({ pod: client }, { pod: web }, 8080)).toMatchObject({ allowed: false, ingress: 'ingress of web: denied by NetworkPolicy/deny' });
    expect(e.decide({ pod: web }, { address: '203.0.113.1' }, 443).allowed).toBe(true);
  });

  test('without policyTypes, an egress section makes the policy an Egress one too; without it, Ingress only', () => {
    const withEgress = new PolicyEvaluator([policy('p', 'app', { podSelector: { matchLabels: { app: 'client' } }, egress: [] })]);
    expect(withEgress.decide({ pod: client }, { pod: web }, 8080).allowed).toBe(false);
    const ingressOnly = new PolicyEvaluator([policy('p', 'app', { podSelector: { matchLabels: { app: 'client' } } })]);
    expect(ingressOnly.decide({ pod: client }, { pod: web }, 8080).allowed).toBe(true);
  });

  test('policies add up: one allows a port, another the other', () => {
    const e = new PolicyEvaluator([
      policy('http', 'app', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] }),
      policy('dns', 'app', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }),
    ]);
    expect(e.decide({ pod: client }, { pod: web }, 8080).ingress).toBe('ingress of web: NetworkPolicy/http rule 0');
    expect(e.decide({ pod: client }, { pod: web }, 53, 'UDP').ingress).toBe('ingress of web: NetworkPolicy/dns rule 0');
    expect(e.decide({ pod: client }, { pod: web }, 53, 'TCP').allowed).toBe(false);
  });

  test('both ends must allow: the sender\'s egress and the receiver\'s ingress', () => {
    const e = new PolicyEvaluator([
      policy('in', 'app', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] }),
      policy('out', 'app', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 9999 }] }] }),
    ]);
    expect(e.decide({ pod: client }, { pod: web }, 8080)).toStrictEqual({
      allowed: false, egress: 'egress of client: denied by NetworkPolicy/out', ingress: 'ingress of web: NetworkPolicy/in rule 0',
    });
  });

  test('a named port resolves on the destination pod, by name and protocol; towards an address it matches nothing', () => {
    const e = new PolicyEvaluator([
      policy('in', 'app', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }] }] }),
      policy('out', 'app', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] }),
    ]);
    expect(e.decide({ pod: client }, { pod: web }, 8080).allowed).toBe(true);
    expect(e.decide({ pod: client }, { pod: web }, 53, 'UDP').ingress).toBe('ingress of web: NetworkPolicy/in rule 0');
    expect(e.decide({ pod: monitor }, { pod: web }, 53, 'TCP').allowed).toBe(false);
    expect(e.decide({ pod: client }, { address: '203.0.113.1' }, 8080).allowed).toBe(false);
  });

  test('peers: a podSelector alone is the policy\'s namespace, a namespaceSelector alone every pod there, both together the selected pods there', () => {
    const only = (from: Record<string, unknown>) => new PolicyEvaluator([policy('p', 'app', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [from] }] })], namespaces);
    const pods = only({ podSelector: { matchLabels: { app: 'client' } } });
    expect([pods.decide({ pod: client }, { pod: web }, 8080).allowed, pods.decide({ pod: remote }, { pod: web }, 8080).allowed]).toStrictEqual([true, false]);
    const everyNamespace = only({ namespaceSelector: {} });
    expect([everyNamespace.decide({ pod: remote }, { pod: web }, 8080).allowed, everyNamespace.decide({ address: '10.244.1.20' }, { pod: web }, 8080).allowed]).toStrictEqual([true, false]);
    const byLabel = only({ namespaceSelector: { matchLabels: { team: 'observability' } } });
    expect([byLabel.decide({ pod: monitor }, { pod: web }, 8080).allowed, byLabel.decide({ pod: remote }, { pod: web }, 8080).allowed]).toStrictEqual([true, false]);
    const byName = only({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, podSelector: { matchLabels: { app: 'client' } } });
    expect([byName.decide({ pod: remote }, { pod: web }, 8080).allowed, byName.decide({ pod: client }, { pod: web }, 8080).allowed]).toStrictEqual([true, false]);
  });

  test('ipBlock: in the CIDR and in no except, for addresses and for pods by their IP; IPv6 too', () => {
    const e = new PolicyEvaluator([policy('out', 'app', {
      podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { ipBlock: { cidr: '2001:db8::/32' } }], ports: [{ port: 443 }] }],
    })]);
    expect(e.decide({ pod: client }, { address: '203.0.113.1' }, 443).allowed).toBe(true);
    expect(e.decide({ pod: client }, { address: '10.1.2.3' }, 443).allowed).toBe(false);
    expect(e.decide({ pod: client }, { pod: { ...web, ip: '192.168.1.1' } }, 443).allowed).toBe(true);
    expect(e.decide({ pod: client }, { pod: web }, 443).allowed).toBe(false);
    expect(e.decide({ pod: client }, { address: '2001:db8::10' }, 443).allowed).toBe(true);
    expect(e.decide({ pod: client }, { address: '2001:db9::10' }, 443).allowed).toBe(false);
  });

  test('ports: a range with endPort; the protocol is TCP unless set; a rule without ports admits every port', () => {
    const e = new PolicyEvaluator([policy('in', 'app', {
      podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 30000, endPort: 30010 }] }, { from: [{ namespaceSelector: { matchLabels: { team: 'observability' } } }] }],
    })], namespaces);
    expect([30000, 30010, 30011].map(p => e.decide({ pod: client }, { pod: web }, p).allowed)).toStrictEqual([true, true, false]);
    expect(e.decide({ pod: client }, { pod: web }, 30005, 'UDP').allowed).toBe(false);
    expect(e.decide({ pod: monitor }, { pod: web }, 12345, 'UDP').allowed).toBe(true);
  });
});

describe('selects and inCidr', () => {
  test.each([
    [{}, { a: '1' }, true],
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {}, false],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {}, true],
  ])('selector %j on %j: %s', (selector, labels, expected) => {
    expect(selects(selector, labels)).toBe(expected);
  });

  test.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['10.1.2.3', '0.0.0.0/0', true],
    ['10.1.2.3', '10.1.2.3/32', true],
    ['10.1.2.4', '10.1.2.3/32', false],
    ['10.1.2.3', '::/0', false],
    ['2001:db8::1', '::/0', true],
    ['[2001:db8::1]', '2001:db8::/32', true],
    ['2001:db8::1', '0.0.0.0/0', false],
  ])('%s in %s: %s', (ip, cidr, expected) => {
    expect(inCidr(ip, cidr)).toBe(expected);
  });
});
