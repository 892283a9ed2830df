import { Duration } from 'cdk8s';
import { propError, requireInteger } from '../_errors';
import { ServiceEndpoint } from '../service-endpoint';
import { renderDuration } from './_duration';

/** Options of {@link TraceSearch.slowRequests}. */
export interface SlowRequestsOptions {
  /** Service whose spans are searched (`service.name`). */
  readonly service: string;
  /**
   * Shortest span duration that counts as slow (inclusive, as Jaeger's `minDuration`).
   * @see https://grafana.com/docs/tempo/latest/traceql/construct-traceql-queries/#durations
   */
  readonly minDuration: Duration;
  /**
   * Only spans of this operation (span name), such as `POST /api/orders`.
   * @default - every operation of the service
   */
  readonly operation?: string;
  /**
   * Title of the search, shown on dashboard panels.
   * @default - `Slow requests: <service> [<operation>] >= <minDuration>`
   */
  readonly title?: string;
}

/** Options of {@link TraceSearch.errors}. */
export interface ErrorSearchOptions {
  /**
   * Service whose spans are searched (`service.name`). Jaeger's search API needs one.
   * @default - every service (TraceQL only)
   */
  readonly service?: string;
  /**
   * Match spans whose HTTP response status code is at least this (`500`: server errors), instead
   * of spans whose status is error. TraceQL only: Jaeger's tag search matches exact values.
   * @default - match span status error (`status = error`, Jaeger tag `error=true`)
   */
  readonly httpStatusAtLeast?: number;
  /**
   * Title of the search, shown on dashboard panels.
   * @default - `Errors: <service>` or `HTTP >= <status>: <service>`
   */
  readonly title?: string;
}

/** Where an attribute is looked up in TraceQL. */
export enum AttributeScope {
  /** `span.<name>`: attributes of the span. */
  SPAN = 'span',
  /** `resource.<name>`: attributes of the process that emitted the span (`k8s.namespace.name`). */
  RESOURCE = 'resource',
  /** `.<name>`: either (slower in Tempo; what Jaeger's tag search does). */
  ANY = '',
}

/** A value an attribute is compared with. */
export type AttributeValue = string | number | boolean;

/** Options of {@link TraceSearch.byAttribute}. */
export interface AttributeSearchOptions {
  /** Attribute name, such as `http.route` or `customer.tier`. */
  readonly attribute: string;
  /** Value the attribute must equal. */
  readonly value: AttributeValue;
  /**
   * Where TraceQL looks the attribute up. Jaeger has no scopes: it matches span and process tags.
   * @default AttributeScope.SPAN
   */
  readonly scope?: AttributeScope;
  /**
   * Service whose spans are searched (`service.name`). Jaeger's search API needs one.
   * @default - every service (TraceQL only)
   */
  readonly service?: string;
  /**
   * Title of the search, shown on dashboard panels.
   * @default - `<attribute> = <value>[: <service>]`
   */
  readonly title?: string;
}

/** The parameters of a search through Jaeger's HTTP API (`GET /api/traces`). */
export interface JaegerSearch {
  /** `service`: required by Jaeger for a search. */
  readonly service: string;
  /** `operation`: the span name. */
  readonly operation?: string;
  /** `minDuration`: a Go duration (`1s`, `250ms`), inclusive. */
  readonly minDuration?: string;
  /** `tags`: exact matches on span or process tags, sent as one JSON object of strings. */
  readonly tags?: Record<string, string>;
}

/** What every search is made of, normalized. */
interface SearchCriteria {
  readonly scope: string;
  readonly service?: string;
  readonly operation?: string;
  readonly minDuration?: string;
  readonly statusError?: boolean;
  readonly httpStatusAtLeast?: number;
  readonly attribute?: { readonly name: string; readonly value: AttributeValue; readonly scope: AttributeScope };
}

/**
 * Span attributes that carry the HTTP response status code: the stable OpenTelemetry HTTP
 * semantic conventions (1.23+) name it `http.response.status_code`; older instrumentation, and
 * the seed project's, emits `http.status_code`. A span carries one or the other (or both, with
 * `OTEL_SEMCONV_STABILITY_OPT_IN=http/dup`), so TraceQL ORs the two.
 * @see https://opentelemetry.io/docs/specs/semconv/http/migration-guide/
 */
export const HTTP_STATUS_ATTRIBUTES: readonly string[] = ['http.response.status_code', 'http.status_code'];

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Characters that end an unquoted TraceQL attribute name (pkg/traceql/lexer.go isAttributeRune),
// plus the quote and backslash, which start a quoted part or an escape.
const NON_ATTRIBUTE_RUNE = /[\s{}()=~!<>&|^,"\\]/;

function requireText(scope: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || CONTROL.test(value) || LONE_SURROGATE.test(value)) {
    throw propError(scope, field, value, 'a non-empty string without control characters');
  }
  return value;
}

/** A TraceQL string literal: Go-quoted (the lexer reads it with strconv.Unquote). */
function traceqlString(value: string): string {
  // JSON escapes (\" \\ \n \t \uXXXX ...) are all valid Go escapes; lone surrogates are refused earlier.
  return JSON.stringify(value);
}

/** A TraceQL attribute reference: `span.http.route`, or `span."odd name"` when it needs quoting. */
function traceqlAttribute(scope: AttributeScope, name: string): string {
  const quoted = NON_ATTRIBUTE_RUNE.test(name) ? `"${name.replace(/[\\"]/g, c => `\\${c}`)}"` : name;
  return `${scope}.${quoted}`;
}

function traceqlValue(value: AttributeValue): string {
  return typeof value === 'string' ? traceqlString(value) : String(value);
}

/**
 * A trace search, defined once and rendered for each backend: TraceQL for Tempo (Grafana
 * panels, Explore) and the HTTP search API of Jaeger. The factories are the seed project's
 * queries (`slow requests of checkout above 1s`, `error=true`, `http.status_code >= 500`).
 *
 * ```ts
 * const slow = TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.seconds(1) });
 * slow.toTraceQL();           // { resource.service.name = "checkout" && duration >= 1s }
 * slow.toJaegerQueryString(); // service=checkout&minDuration=1s
 * ```
 */
export class TraceSearch {
  /**
   * Spans of one service (and optionally one operation) that took at least `minDuration`.
   * TraceQL `duration` is the span's own duration, as Jaeger's `minDuration` filter.
   */
  public static slowRequests(options: SlowRequestsOptions): TraceSearch {
    const scope = 'TraceSearch.slowRequests';
    const service = requireText(scope, 'service', options.service);
    const operation = options.operation === undefined ? undefined : requireText(scope, 'operation', options.operation);
    const minDuration = renderDuration(scope, 'minDuration', options.minDuration);
    const title = options.title ?? `Slow requests: ${service}${operation ? ` ${operation}` : ''} >= ${minDuration}`;
    return new TraceSearch({ scope, service, operation, minDuration }, requireText(scope, 'title', title));
  }

  /**
   * Spans that failed: span status error (the seed's `error=true`), or with `httpStatusAtLeast`,
   * an HTTP response status code at or above it (the seed's `http.status_code >= 500`).
   */
  public static errors(options: ErrorSearchOptions = {}): TraceSearch {
    const scope = 'TraceSearch.errors';
    const service = options.service === undefined ? undefined : requireText(scope, 'service', options.service);
    const status = options.httpStatusAtLeast;
    if (status !== undefined) requireInteger(scope, 'httpStatusAtLeast', status, 100, 599);
    const who = service ?? 'all services';
    const title = options.title ?? (status === undefined ? `Errors: ${who}` : `HTTP >= ${status}: ${who}`);
    return new TraceSearch(
      { scope, service, statusError: status === undefined ? true : undefined, httpStatusAtLeast: status },
      requireText(scope, 'title', title),
    );
  }

  /** Spans whose attribute equals a value (`http.route = "/api/orders"`), optionally of one service. */
  public static byAttribute(options: AttributeSearchOptions): TraceSearch {
    const scope = 'TraceSearch.byAttribute';
    const name = requireText(scope, 'attribute', options.attribute);
    const value = options.value;
    if (typeof value === 'string') {
      requireText(scope, 'value', value);
    } else if (!(typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      throw propError(scope, 'value', value, 'a string, a finite number or a boolean');
    }
    const attrScope = options.scope ?? AttributeScope.SPAN;
    if (!Object.values(AttributeScope).includes(attrScope)) {
      throw propError(scope, 'scope', attrScope, `one of ${Object.values(AttributeScope).map(s => JSON.stringify(s)).join(', ')}`);
    }
    const service = options.service === undefined ? undefined : requireText(scope, 'service', options.service);
    const title = options.title ?? `${name} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}${service ? `: ${service}` : ''}`;
    return new TraceSearch({ scope, service, attribute: { name, value, scope: attrScope } }, requireText(scope, 'title', title));
  }

  /** Title of the search, for dashboard panels. */
  public readonly title: string;
  /** The service searched, if the search is limited to one. */
  public readonly service?: string;

  private constructor(private readonly criteria: SearchCriteria, title: string) {
    this.title = title;
    this.service = criteria.service;
  }

  /**
   * The search as a TraceQL spanset filter, for Tempo: conditions on one span, joined by `&&`.
   * @see https://grafana.com/docs/tempo/latest/traceql/construct-traceql-queries/
   */
  public toTraceQL(): string {
    const c = this.criteria;
    const conditions: string[] = [];
    if (c.service !== undefined) conditions.push(`resource.service.name = ${traceqlString(c.service)}`);
    if (c.operation !== undefined) conditions.push(`name = ${traceqlString(c.operation)}`);
    if (c.minDuration !== undefined) conditions.push(`duration >= ${c.minDuration}`);
    if (c.statusError) conditions.push('status = error');
    if (c.httpStatusAtLeast !== undefined) {
      const alternatives = HTTP_STATUS_ATTRIBUTES.map(a => `${traceqlAttribute(AttributeScope.SPAN, a)} >= ${c.httpStatusAtLeast}`);
      conditions.push(conditions.length > 0 ? `(${alternatives.join(' || ')})` : alternatives.join(' || '));
    }
    if (c.attribute) conditions.push(`${traceqlAttribute(c.attribute.scope, c.attribute.name)} = ${traceqlValue(c.attribute.value)}`);
    return `{ ${conditions.join(' && ')} }`;
  }

  /**
   * The search as parameters of Jaeger's `GET /api/traces`. Throws when the search has no
   * Jaeger form: no service (Jaeger answers `parameter 'service' is required`), or an HTTP
   * status range (Jaeger's tag search matches exact values only).
   */
  public toJaegerSearch(): JaegerSearch {
    const c = this.criteria;
    if (c.service === undefined) {
      throw propError(c.scope, 'service', c.service, "a service name for a Jaeger search (Jaeger's /api/traces requires 'service'; TraceQL does not)");
    }
    if (c.httpStatusAtLeast !== undefined) {
      throw propError(c.scope, 'httpStatusAtLeast', c.httpStatusAtLeast,
        "undefined for a Jaeger search (Jaeger's tag search matches exact values, not ranges; use TraceSearch.errors() for error=true or TraceSearch.byAttribute() for one status code)");
    }
    const tags: Record<string, string> = {};
    if (c.statusError) tags.error = 'true';
    if (c.attribute) tags[c.attribute.name] = String(c.attribute.value);
    return {
      service: c.service,
      ...(c.operation !== undefined ? { operation: c.operation } : {}),
      ...(c.minDuration !== undefined ? { minDuration: c.minDuration } : {}),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    };
  }

  /**
   * The query string of Jaeger's `GET /api/traces` (without `?`), each value percent-encoded:
   * `service=checkout&minDuration=1s`, `service=checkout&tags=%7B%22error%22%3A%22true%22%7D`.
   * @see https://github.com/jaegertracing/jaeger/blob/v1.76.0/cmd/query/app/query_parser.go
   */
  public toJaegerQueryString(): string {
    const s = this.toJaegerSearch();
    const params: Array<[string, string]> = [['service', s.service]];
    if (s.operation !== undefined) params.push(['operation', s.operation]);
    if (s.minDuration !== undefined) params.push(['minDuration', s.minDuration]);
    if (s.tags !== undefined) params.push(['tags', JSON.stringify(s.tags)]);
    return params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  }

  /**
   * The full search URL on a Jaeger query service: `endpoint` is its HTTP query port
   * (`JaegerQuery.uiEndpoint`), `basePath` its UI base path (`JaegerQuery.basePath`).
   */
  public toJaegerUrl(endpoint: ServiceEndpoint, basePath = '/'): string {
    const prefix = basePath === '/' ? '' : basePath.replace(/\/+$/, '');
    return endpoint.url('http', `${prefix}/api/traces?${this.toJaegerQueryString()}`);
  }
}
