/**
 * The report as SARIF 2.1.0, for code scanning in CI: one run, the whole rule catalogue in the
 * driver, one result per finding located in its file (line when known) and at its object and field.
 * @see https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
import { describeObject, sortFindings, type Finding, type Severity } from './finding';
import { RULES } from './rules';

/** Options of {@link formatSarif}. */
export interface SarifFormatOptions {
  /** The package's version, the driver's `version`. */
  readonly toolVersion: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** The SARIF log, ending with a newline. */
export function formatSarif(findings: readonly Finding[], options: SarifFormatOptions): string {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdk8s-tracing check',
          version: options.toolVersion,
          informationUri: 'https://github.com/cdk8s-tracing/cdk8s-tracing#checking-any-manifests',
          rules: RULES.map((r) => ({
            id: r.id,
            name: r.id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
            shortDescription: { text: r.summary },
            defaultConfiguration: { level: LEVEL[r.severity] },
            properties: { tags: [r.id.split('/')[0]] },
          })),
        },
      },
      results: sortFindings(findings).map((f) => ({
        ruleId: f.ruleId,
        ruleIndex: ruleIndex.get(f.ruleId),
        level: LEVEL[f.severity],
        message: { text: `${describeObject(f.object)} ${f.path || '/'}: ${f.message}` },
        locations: [{
          ...(f.file !== undefined && f.file !== '-' ? {
            physicalLocation: {
              artifactLocation: { uri: encodeURI(f.file) },
              ...(f.line !== undefined ? { region: { startLine: f.line } } : {}),
            },
          } : {}),
          logicalLocations: [{
            name: f.path || '/',
            fullyQualifiedName: `${describeObject(f.object)}${f.path}`,
            kind: 'member',
          }],
        }],
      })),
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
