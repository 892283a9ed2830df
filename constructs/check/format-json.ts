/** The report as JSON, for scripts: the summary and every finding. */
import { atLeast, countBySeverity, sortFindings, type Finding, type Severity } from './finding';
import { K8S_VERSION } from './k8s-schemas';

/** Options of {@link formatJson}. */
export interface JsonFormatOptions {
  /** The package's version, named in the report. */
  readonly toolVersion: string;
  /** Files read. */
  readonly files: number;
  /** Objects read. */
  readonly objects: number;
  /** The severity at which the command fails, named in the summary with whether it did. */
  readonly failOn: Severity;
}

/** The report, ending with a newline. */
export function formatJson(findings: readonly Finding[], options: JsonFormatOptions): string {
  const counts = countBySeverity(findings);
  return `${JSON.stringify({
    tool: { name: 'cdk8s-tracing check', version: options.toolVersion, kubernetesVersion: K8S_VERSION },
    summary: {
      files: options.files,
      objects: options.objects,
      errors: counts.error,
      warnings: counts.warning,
      infos: counts.info,
      failOn: options.failOn,
      failed: findings.some((f) => atLeast(f.severity, options.failOn)),
    },
    findings: sortFindings(findings),
  }, null, 2)}\n`;
}
