import { Chart, Testing } from 'cdk8s';
import { synthesizeApp, validationErrors } from '../constructs';
import { propError, redactCredentials } from '../constructs/_errors';

describe('redactCredentials', () => {
  test.each([
    ['https://elastic:s3cret@es:9200', 'https://***@es:9200'],
    ['"https://elastic:s3cret@es:9200"', '"https://***@es:9200"'],
    ['http://ghp_token123@git.example.com/repo', 'http://***@git.example.com/repo'],
    ['https://elastic:p@ss@es:9200', 'https://***@es:9200'],
    ['https://elastic:s3/cret@es:9200', 'https://***@es:9200'],
    ['https://elastic:s3"cret@es:9200', 'https://***@es:9200'],
    ['["https://a:one@x:9200","https://b:two@y:9200"]', '["https://***@y:9200"]'],
    ['elastic:s3cret@es:9200', '***@es:9200'],
    ['"user:s3cret@kafka-0:9092"', '"***@kafka-0:9092"'],
    ['got "user:s3cret@kafka-0:9092" and https://u:v@h', 'got "***@kafka-0:9092" and https://***@h'],
    // A ':' before an '@' in the path could be a password holding '/': redacted, on the safe side.
    ['https://es:9200/@v1/x', 'https://***@v1/x'],
  ])('%s -> %s', (text, redacted) => {
    expect(redactCredentials(text)).toBe(redacted);
  });

  test.each([
    'https://es:9200/path',
    'https://es/@v1/x',
    'tempo@project.iam.gserviceaccount.com',
    'otel/opentelemetry-collector-contrib@sha256:0123abcd',
    'busybox:1.36@sha256:0123abcd',
    'registry:5000/otel/collector@sha256:0123abcd',
    "test/es: 'serverUrls[0]' must be an http:// or https:// URL, got \"es:9200\"",
  ])('leaves %s as it is', text => {
    expect(redactCredentials(text)).toBe(text);
  });

  test('propError redacts the value, the field and the allowed text', () => {
    expect(propError('x', 'url', 'https://elastic:s3cret@es:9200', 'not https://a:b@c').message)
      .toBe('x: \'url\' must be not https://***@c, got "https://***@es:9200"');
    expect(propError('x', 'urls', ['https://elastic:s3cret@es:9200'], 'URLs').message).not.toContain('s3cret');
  });
});

describe('validation errors', () => {
  test('validationErrors and synthesizeApp redact credentials in what a validation reports', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'test');
    chart.node.addValidation({ validate: () => ['remote write to https://writer:s3cret@prometheus:9090/api/v1/write is unreachable'] });
    expect(validationErrors(app)).toStrictEqual(['test: remote write to https://***@prometheus:9090/api/v1/write is unreachable']);
    expect(() => synthesizeApp(app)).toThrow(/^synthesis refused, 1 error\(s\):\n {2}test: remote write to https:\/\/\*\*\*@prometheus/);
  });
});
