import { Duration } from 'cdk8s';
import { ElasticsearchStorage, JaegerQuery } from '../../constructs';
import { AttributeScope, TraceSearch } from '../../constructs/search/trace-search';
import { testChart } from '../_support/synth';

const checkoutSlow = () => TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.seconds(1) });

/** How Jaeger's query parser reads a query string (Go's url.ParseQuery + json.Unmarshal of `tags`). */
function asJaegerReadsIt(query: string): Record<string, unknown> {
  const params = new URLSearchParams(query);
  const out: Record<string, unknown> = {};
  for (const [k, v] of params) out[k] = k === 'tags' ? JSON.parse(v) : v;
  return out;
}

function jaegerOrWhyNot(s: TraceSearch): string {
  try {
    return s.toJaegerQueryString();
  } catch (e) {
    return `no Jaeger form: ${(e as Error).message}`;
  }
}

describe('TraceSearch', () => {
  describe('TraceQL', () => {
    test('slow requests of a service: resource service name and span duration (inclusive, as Jaeger)', () => {
      expect(checkoutSlow().toTraceQL()).toBe('{ resource.service.name = "checkout" && duration >= 1s }');
    });

    test('slow requests of one operation', () => {
      const s = TraceSearch.slowRequests({ service: 'checkout', operation: 'POST /api/orders', minDuration: Duration.millis(250) });
      expect(s.toTraceQL()).toBe('{ resource.service.name = "checkout" && name = "POST /api/orders" && duration >= 250ms }');
    });

    test.each([
      ['1500 ms', Duration.millis(1500), '1500ms'],
      ['90 s', Duration.seconds(90), '90s'],
      ['2 min', Duration.minutes(2), '2m'],
      ['1 h', Duration.hours(1), '1h'],
      ['1 day', Duration.days(1), '24h'],
      ['0.5 ms', Duration.millis(0.5), '500us'],
    ])('duration %s renders as one exact unit: %s', (_label, minDuration, literal) => {
      const s = TraceSearch.slowRequests({ service: 'checkout', minDuration });
      expect(s.toTraceQL()).toBe(`{ resource.service.name = "checkout" && duration >= ${literal} }`);
      expect(s.toJaegerSearch().minDuration).toBe(literal);
    });

    test('errors: span status, across services or for one', () => {
      expect(TraceSearch.errors().toTraceQL()).toBe('{ status = error }');
      expect(TraceSearch.errors({ service: 'checkout' }).toTraceQL()).toBe('{ resource.service.name = "checkout" && status = error }');
    });

    test('HTTP server errors: both the stable and the old semantic-convention attribute', () => {
      expect(TraceSearch.errors({ httpStatusAtLeast: 500 }).toTraceQL())
        .toBe('{ span.http.response.status_code >= 500 || span.http.status_code >= 500 }');
      expect(TraceSearch.errors({ service: 'checkout', httpStatusAtLeast: 500 }).toTraceQL())
        .toBe('{ resource.service.name = "checkout" && (span.http.response.status_code >= 500 || span.http.status_code >= 500) }');
    });

    test('attribute equality: strings quoted, numbers and booleans bare, scopes', () => {
      expect(TraceSearch.byAttribute({ attribute: 'http.route', value: '/api/orders' }).toTraceQL()).toBe('{ span.http.route = "/api/orders" }');
      expect(TraceSearch.byAttribute({ attribute: 'http.status_code', value: 503, service: 'checkout' }).toTraceQL())
        .toBe('{ resource.service.name = "checkout" && span.http.status_code = 503 }');
      expect(TraceSearch.byAttribute({ attribute: 'cache.hit', value: false }).toTraceQL()).toBe('{ span.cache.hit = false }');
      expect(TraceSearch.byAttribute({ attribute: 'k8s.namespace.name', value: 'shop', scope: AttributeScope.RESOURCE }).toTraceQL())
        .toBe('{ resource.k8s.namespace.name = "shop" }');
      expect(TraceSearch.byAttribute({ attribute: 'deployment.environment', value: 'prod', scope: AttributeScope.ANY }).toTraceQL())
        .toBe('{ .deployment.environment = "prod" }');
    });

    test('strings are Go-quoted and odd attribute names are quoted', () => {
      const s = TraceSearch.byAttribute({ attribute: 'my attr', value: 'say "hi"\\now', service: 'we"ird' });
      expect(s.toTraceQL()).toBe('{ resource.service.name = "we\\"ird" && span."my attr" = "say \\"hi\\"\\\\now" }');
      expect(TraceSearch.byAttribute({ attribute: 'a"b', value: 1 }).toTraceQL()).toBe('{ span."a\\"b" = 1 }');
    });
  });

  describe('Jaeger', () => {
    test('slow requests: service and minDuration', () => {
      const s = checkoutSlow();
      expect(s.toJaegerSearch()).toStrictEqual({ service: 'checkout', minDuration: '1s' });
      expect(s.toJaegerQueryString()).toBe('service=checkout&minDuration=1s');
    });

    test('operation names are percent-encoded', () => {
      const s = TraceSearch.slowRequests({ service: 'checkout', operation: 'POST /api/orders', minDuration: Duration.millis(250) });
      expect(s.toJaegerQueryString()).toBe('service=checkout&operation=POST%20%2Fapi%2Forders&minDuration=250ms');
      expect(asJaegerReadsIt(s.toJaegerQueryString())).toStrictEqual({ service: 'checkout', operation: 'POST /api/orders', minDuration: '250ms' });
    });

    test('errors: the error=true tag as a JSON map of strings', () => {
      const s = TraceSearch.errors({ service: 'checkout' });
      expect(s.toJaegerSearch()).toStrictEqual({ service: 'checkout', tags: { error: 'true' } });
      expect(s.toJaegerQueryString()).toBe('service=checkout&tags=%7B%22error%22%3A%22true%22%7D');
      expect(asJaegerReadsIt(s.toJaegerQueryString())).toStrictEqual({ service: 'checkout', tags: { error: 'true' } });
    });

    test('attribute values become string tags', () => {
      const s = TraceSearch.byAttribute({ service: 'checkout', attribute: 'http.status_code', value: 503 });
      expect(s.toJaegerSearch()).toStrictEqual({ service: 'checkout', tags: { 'http.status_code': '503' } });
    });

    test('full URL on a Jaeger query service behind a base path', () => {
      const chart = testChart();
      const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
      const query = new JaegerQuery(chart, 'query', { storage, basePath: '/jaeger' });
      expect(checkoutSlow().toJaegerUrl(query.uiEndpoint, query.basePath))
        .toBe('http://jaeger-query.tracing.svc:16686/jaeger/api/traces?service=checkout&minDuration=1s');
      expect(checkoutSlow().toJaegerUrl(query.uiEndpoint)).toBe('http://jaeger-query.tracing.svc:16686/api/traces?service=checkout&minDuration=1s');
    });
  });

  test("the seed project's searches, in both forms", () => {
    const seed = [
      checkoutSlow(),
      TraceSearch.errors({ service: 'checkout' }),
      TraceSearch.errors({ httpStatusAtLeast: 500 }),
      TraceSearch.byAttribute({ service: 'frontend', attribute: 'http.route', value: '/api/orders' }),
    ];
    expect(seed.map(s => ({
      title: s.title,
      traceql: s.toTraceQL(),
      jaeger: jaegerOrWhyNot(s),
    }))).toMatchSnapshot();
  });

  test('titles default from the criteria and can be set', () => {
    expect(checkoutSlow().title).toBe('Slow requests: checkout >= 1s');
    expect(TraceSearch.errors().title).toBe('Errors: all services');
    expect(TraceSearch.errors({ service: 'checkout', httpStatusAtLeast: 500 }).title).toBe('HTTP >= 500: checkout');
    expect(TraceSearch.errors({ title: 'Failures' }).title).toBe('Failures');
  });

  describe('fails if', () => {
    test('fails if the service name is empty', () => {
      expect(() => TraceSearch.slowRequests({ service: ' ', minDuration: Duration.seconds(1) }))
        .toThrow(/^TraceSearch.slowRequests: 'service' must be a non-empty string without control characters, got " "$/);
    });

    test('fails if the operation has a control character', () => {
      expect(() => TraceSearch.slowRequests({ service: 'checkout', operation: 'GET\n/', minDuration: Duration.seconds(1) }))
        .toThrow(/TraceSearch.slowRequests: 'operation' must be a non-empty string/);
    });

    test('fails if the minimum duration is zero', () => {
      expect(() => TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.millis(0) }))
        .toThrow(/TraceSearch.slowRequests: 'minDuration' must be a duration > 0 and a whole number of us, got "0 millis"/);
    });

    test('fails if the minimum duration is finer than a microsecond', () => {
      expect(() => TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.millis(0.0005) }))
        .toThrow(/'minDuration' must be a duration > 0 and a whole number of us/);
    });

    test.each([99, 600, 500.5])('fails if the HTTP status is %p', (status) => {
      expect(() => TraceSearch.errors({ httpStatusAtLeast: status }))
        .toThrow(new RegExp(`^TraceSearch.errors: 'httpStatusAtLeast' must be an integer from 100 to 599, got ${status}$`));
    });

    test('fails if a Jaeger search has no service', () => {
      expect(() => TraceSearch.errors().toJaegerSearch())
        .toThrow(/^TraceSearch.errors: 'service' must be a service name for a Jaeger search \(Jaeger's \/api\/traces requires 'service'; TraceQL does not\), got undefined$/);
      expect(() => TraceSearch.byAttribute({ attribute: 'a', value: 'b' }).toJaegerQueryString()).toThrow(/TraceSearch.byAttribute: 'service' must be a service name for a Jaeger search/);
    });

    test('fails if a Jaeger search asks for an HTTP status range', () => {
      expect(() => TraceSearch.errors({ service: 'checkout', httpStatusAtLeast: 500 }).toJaegerSearch())
        .toThrow(/'httpStatusAtLeast' must be undefined for a Jaeger search \(Jaeger's tag search matches exact values, not ranges.*got 500/);
    });

    test('fails if an attribute value is not finite', () => {
      expect(() => TraceSearch.byAttribute({ attribute: 'retries', value: Number.NaN }))
        .toThrow(/TraceSearch.byAttribute: 'value' must be a string, a finite number or a boolean, got NaN/);
    });
  });
});
