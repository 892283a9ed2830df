import { SamplingStrategies } from '../../constructs/sampling/sampling-strategies';
import { SamplingStrategy } from '../../constructs/sampling/sampling-strategy';

const p = SamplingStrategy.probabilistic;
const rl = SamplingStrategy.rateLimiting;

/** A model with a default, default operations, and services with and without their own operations. */
function perServiceModel(): SamplingStrategies {
  return new SamplingStrategies({
    defaultStrategy: p(0.01),
    defaultOperationStrategies: [
      { operation: '/health', strategy: p(0) },
      { operation: '/metrics', strategy: p(0) },
    ],
    services: [
      {
        service: 'checkout',
        strategy: p(0.5),
        operations: [
          { operation: 'POST /pay', strategy: p(1) },
          { operation: '/health', strategy: p(0.1) },
        ],
      },
      { service: 'catalog', strategy: p(0.2) },
    ],
  });
}

describe('SamplingStrategies defaults', () => {
  test('renders the default file', () => {
    expect(new SamplingStrategies().toJaegerJsonString()).toMatchSnapshot();
  });

  test('defaultStrategy is Jaeger\'s own default, probabilistic 0.001', () => {
    const model = new SamplingStrategies();
    expect(model.defaultStrategy).toStrictEqual(p(0.001));
    expect(SamplingStrategies.JAEGER_DEFAULT_SAMPLING_PROBABILITY).toBe(0.001);
    expect(model.defaultOperationStrategies).toStrictEqual([]);
    expect(model.services).toStrictEqual([]);
    expect(model.toJaegerJson()).toStrictEqual({
      default_strategy: { type: 'probabilistic', param: 0.001 },
      service_strategies: [],
    });
  });

  test('the string is pretty-printed JSON ending with one newline', () => {
    const text = new SamplingStrategies({ defaultStrategy: p(0.01) }).toJaegerJsonString();
    expect(text).toBe('{\n  "default_strategy": {\n    "type": "probabilistic",\n    "param": 0.01\n  },\n  "service_strategies": []\n}\n');
  });
});

describe('SamplingStrategies rendering', () => {
  test('renders services and operations with Jaeger\'s key names, in the order given', () => {
    expect(perServiceModel().toJaegerJson()).toStrictEqual({
      default_strategy: {
        type: 'probabilistic',
        param: 0.01,
        operation_strategies: [
          { operation: '/health', type: 'probabilistic', param: 0 },
          { operation: '/metrics', type: 'probabilistic', param: 0 },
        ],
      },
      service_strategies: [
        {
          service: 'checkout',
          type: 'probabilistic',
          param: 0.5,
          operation_strategies: [
            { operation: 'POST /pay', type: 'probabilistic', param: 1 },
            { operation: '/health', type: 'probabilistic', param: 0.1 },
          ],
        },
        { service: 'catalog', type: 'probabilistic', param: 0.2 },
      ],
    });
  });

  test('renders a rate-limiting service when no per-operation strategy applies', () => {
    const model = new SamplingStrategies({
      defaultStrategy: p(0.01),
      services: [{ service: 'checkout', strategy: rl(100) }],
    });
    expect(model.toJaegerJson().service_strategies).toStrictEqual([
      { service: 'checkout', type: 'ratelimiting', param: 100 },
    ]);
  });

  test('reproduces Jaeger\'s own fixture internal/sampling/samplingstrategy/file/fixtures/strategies.json', () => {
    const model = new SamplingStrategies({
      defaultStrategy: p(0.5),
      services: [
        { service: 'foo', strategy: p(0.8) },
        { service: 'bar', strategy: rl(5) },
      ],
    });
    expect(JSON.parse(model.toJaegerJsonString())).toStrictEqual({
      default_strategy: { type: 'probabilistic', param: 0.5 },
      service_strategies: [
        { service: 'foo', type: 'probabilistic', param: 0.8 },
        { service: 'bar', type: 'ratelimiting', param: 5 },
      ],
    });
  });

  test('the parsed JSON has exactly the keys Jaeger\'s Go structs read', () => {
    const parsed: unknown = JSON.parse(perServiceModel().toJaegerJsonString());
    const file = parsed as Record<string, unknown>;
    expect(Object.keys(file)).toStrictEqual(['default_strategy', 'service_strategies']);

    const def = file.default_strategy as Record<string, unknown>;
    expect(Object.keys(def)).toStrictEqual(['type', 'param', 'operation_strategies']);

    const services = file.service_strategies as Record<string, unknown>[];
    expect(Object.keys(services[0])).toStrictEqual(['service', 'type', 'param', 'operation_strategies']);
    expect(Object.keys(services[1])).toStrictEqual(['service', 'type', 'param']);

    const ops = [
      ...(def.operation_strategies as Record<string, unknown>[]),
      ...(services[0].operation_strategies as Record<string, unknown>[]),
    ];
    for (const op of ops) expect(Object.keys(op)).toStrictEqual(['operation', 'type', 'param']);
  });

  test('addService appends a service to the render', () => {
    const model = new SamplingStrategies({ defaultStrategy: p(0.01) });
    model.addService({ service: 'checkout', strategy: rl(100) });
    model.addService({ service: 'catalog', strategy: p(0.2), operations: [{ operation: 'GET /items', strategy: p(0.05) }] });
    expect(model.toJaegerJson().service_strategies).toStrictEqual([
      { service: 'checkout', type: 'ratelimiting', param: 100 },
      {
        service: 'catalog',
        type: 'probabilistic',
        param: 0.2,
        operation_strategies: [{ operation: 'GET /items', type: 'probabilistic', param: 0.05 }],
      },
    ]);
  });

  test('later changes to the arrays given do not change the model', () => {
    const operations = [{ operation: 'POST /pay', strategy: p(1) }];
    const services = [{ service: 'checkout', strategy: p(0.5), operations }];
    const model = new SamplingStrategies({ services });
    operations.push({ operation: 'GET /cart', strategy: p(1) });
    services.push({ service: 'catalog', strategy: p(0.2), operations: [] });
    expect(model.services).toHaveLength(1);
    expect(model.services[0].operations).toHaveLength(1);
    expect(Object.isFrozen(model.services[0])).toBe(true);
    expect(Object.isFrozen(model.services[0].operations)).toBe(true);
  });
});

describe('SamplingStrategies.strategyFor', () => {
  const model = perServiceModel();

  test('an unlisted service gets the default strategy', () => {
    expect(model.strategyFor('unknown')).toStrictEqual(p(0.01));
    expect(model.strategyFor('unknown', 'GET /')).toStrictEqual(p(0.01));
  });

  test('an unlisted service gets the default per-operation strategies', () => {
    expect(model.strategyFor('unknown', '/health')).toStrictEqual(p(0));
  });

  test('a listed service gets its own strategy', () => {
    expect(model.strategyFor('checkout')).toStrictEqual(p(0.5));
    expect(model.strategyFor('checkout', 'GET /cart')).toStrictEqual(p(0.5));
  });

  test('a service\'s own operation strategy wins', () => {
    expect(model.strategyFor('checkout', 'POST /pay')).toStrictEqual(p(1));
    expect(model.strategyFor('checkout', '/health')).toStrictEqual(p(0.1));
  });

  test('default operation strategies are merged into listed services (Jaeger\'s parseStrategies)', () => {
    expect(model.strategyFor('checkout', '/metrics')).toStrictEqual(p(0));
    expect(model.strategyFor('catalog', '/health')).toStrictEqual(p(0));
    expect(model.strategyFor('catalog', 'GET /items')).toStrictEqual(p(0.2));
  });

  test('operation names match exactly', () => {
    expect(model.strategyFor('checkout', 'post /pay')).toStrictEqual(p(0.5));
    expect(model.strategyFor('Checkout')).toStrictEqual(p(0.01));
  });

  test('a rate-limiting service resolves to its rate limit', () => {
    const m = new SamplingStrategies({ services: [{ service: 'checkout', strategy: rl(100) }] });
    expect(m.strategyFor('checkout', 'POST /pay')).toStrictEqual(rl(100));
  });
});

describe('SamplingStrategies validation', () => {
  test('fails if a service is listed twice', () => {
    expect(() => new SamplingStrategies({
      services: [
        { service: 'checkout', strategy: p(0.5) },
        { service: 'checkout', strategy: rl(10) },
      ],
    })).toThrow("SamplingStrategies: 'services[1].service' must be unique (already used by services[0]), got \"checkout\"");
  });

  test('fails if addService repeats a service', () => {
    const model = new SamplingStrategies({ services: [{ service: 'checkout', strategy: p(0.5) }] });
    expect(() => model.addService({ service: 'checkout', strategy: p(0.1) })).toThrow(
      "SamplingStrategies.addService: 'services[1].service' must be unique (already used by services[0]), got \"checkout\"");
    expect(model.services).toHaveLength(1);
  });

  test('fails if an operation is listed twice in a service', () => {
    expect(() => new SamplingStrategies({
      services: [{
        service: 'checkout',
        strategy: p(0.5),
        operations: [
          { operation: 'POST /pay', strategy: p(1) },
          { operation: 'POST /pay', strategy: p(0.5) },
        ],
      }],
    })).toThrow("SamplingStrategies: 'services[0].operations[1].operation' must be unique within services[0].operations (already used by services[0].operations[0]), got \"POST /pay\"");
  });

  test('fails if an operation is listed twice in the default operations', () => {
    expect(() => new SamplingStrategies({
      defaultOperationStrategies: [
        { operation: '/health', strategy: p(0) },
        { operation: '/health', strategy: p(0.1) },
      ],
    })).toThrow(/'defaultOperationStrategies\[1\]\.operation' must be unique within defaultOperationStrategies/);
  });

  test('fails if a service name is empty', () => {
    expect(() => new SamplingStrategies({ services: [{ service: '', strategy: p(0.5) }] })).toThrow(
      "SamplingStrategies: 'services[0].service' must be a non-empty string without leading or trailing whitespace, got \"\"");
  });

  test('fails if a service name has surrounding whitespace', () => {
    expect(() => new SamplingStrategies({ services: [{ service: 'checkout ', strategy: p(0.5) }] })).toThrow(
      /'services\[0\]\.service' must be a non-empty string without leading or trailing whitespace, got "checkout "/);
  });

  test('fails if an operation name is empty', () => {
    expect(() => new SamplingStrategies({ defaultOperationStrategies: [{ operation: '', strategy: p(0) }] })).toThrow(
      /'defaultOperationStrategies\[0\]\.operation' must be a non-empty string/);
  });

  test('fails if a per-operation strategy is rate limiting (Jaeger drops it)', () => {
    expect(() => new SamplingStrategies({
      services: [{ service: 'checkout', strategy: p(0.5), operations: [{ operation: 'POST /pay', strategy: rl(10) }] }],
    })).toThrow("SamplingStrategies: 'services[0].operations[0].strategy' must be probabilistic (Jaeger serves only probabilistic per-operation strategies and drops rate-limiting ones), got {\"type\":\"ratelimiting\",\"param\":10}");
  });

  test('fails if a default per-operation strategy is rate limiting', () => {
    expect(() => new SamplingStrategies({ defaultOperationStrategies: [{ operation: 'spam', strategy: rl(1) }] })).toThrow(
      /'defaultOperationStrategies\[0\]\.strategy' must be probabilistic/);
  });

  test('fails if a rate-limiting service has its own operation strategies (SDKs would ignore the rate limit)', () => {
    expect(() => new SamplingStrategies({
      services: [{ service: 'bar', strategy: rl(5), operations: [{ operation: 'op3', strategy: p(0.3) }] }],
    })).toThrow("SamplingStrategies: 'services[0].strategy' must be probabilistic when 'services[0].operations' applies (SDKs then use only the per-operation strategies and ignore a rate limit), got {\"type\":\"ratelimiting\",\"param\":5}");
  });

  test('fails if a rate-limiting service would inherit default operation strategies', () => {
    const model = new SamplingStrategies({ defaultOperationStrategies: [{ operation: '/health', strategy: p(0) }] });
    expect(() => model.addService({ service: 'checkout', strategy: rl(100) })).toThrow(
      "SamplingStrategies.addService: 'services[0].strategy' must be probabilistic when 'defaultOperationStrategies' applies (SDKs then use only the per-operation strategies and ignore a rate limit), got {\"type\":\"ratelimiting\",\"param\":100}");
  });

  test('fails if the default strategy is rate limiting and default operation strategies are set', () => {
    expect(() => new SamplingStrategies({
      defaultStrategy: rl(100),
      defaultOperationStrategies: [{ operation: '/health', strategy: p(0) }],
    })).toThrow(/'defaultStrategy' must be probabilistic when 'defaultOperationStrategies' applies/);
  });

  test('fails if a strategy was not made by a SamplingStrategy factory', () => {
    expect(() => new SamplingStrategies({
      // @ts-expect-error a plain object skips the factory's validation
      defaultStrategy: { type: 'probabilistic', param: 5 },
    })).toThrow("SamplingStrategies: 'defaultStrategy' must be a SamplingStrategy made by SamplingStrategy.probabilistic() or SamplingStrategy.rateLimiting(), got {\"type\":\"probabilistic\",\"param\":5}");
  });
});
