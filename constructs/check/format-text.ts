/**
 * The report for people: findings grouped by file and object, in file order, each with its
 * severity, rule id, field path and line; a summary line last. ANSI colours only when asked
 * (the command asks when standard output is a terminal and NO_COLOR is not set).
 */
import { atLeast, countBySeverity, describeObject, sortFindings, type Finding, type Severity } from './finding';

/** Options of {@link formatText}. */
export interface TextFormatOptions {
  /** ANSI colours. @default false */
  readonly color?: boolean;
  /** Files read. */
  readonly files: number;
  /** Objects read. */
  readonly objects: number;
  /** The severity at which the command fails, named in the summary. */
  readonly failOn: Severity;
}

const LABEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };
const COLOR: Record<Severity, string> = { error: '31', warning: '33', info: '36' };

/** The report, ending with a newline. */
export function formatText(findings: readonly Finding[], options: TextFormatOptions): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const out: string[] = [];
  let file: string | undefined;
  let object: string | undefined;
  for (const f of sortFindings(findings)) {
    const fileName = f.file ?? '(in memory)';
    if (fileName !== file) {
      if (file !== undefined) out.push('');
      out.push(paint('1', fileName));
      file = fileName;
      object = undefined;
    }
    const objectName = describeObject(f.object);
    if (objectName !== object) {
      out.push(`  ${objectName}`);
      object = objectName;
    }
    const where = `${f.path || '/'}${f.line !== undefined ? ` (line ${f.line})` : ''}`;
    out.push(`    ${paint(COLOR[f.severity], LABEL[f.severity].padEnd(7))}  ${where}  ${paint('2', f.ruleId)}`);
    out.push(`             ${f.message}`);
  }
  if (out.length > 0) out.push('');
  out.push(summary(findings, options, paint));
  return `${out.join('\n')}\n`;
}

function summary(findings: readonly Finding[], options: TextFormatOptions, paint: (code: string, text: string) => string): string {
  const counts = countBySeverity(findings);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const read = `${plural(options.files, 'file')}, ${plural(options.objects, 'object')} checked`;
  const failing = findings.some((f) => atLeast(f.severity, options.failOn));
  const parts = [plural(counts.error, 'error'), plural(counts.warning, 'warning'), plural(counts.info, 'note')].join(', ');
  return failing
    ? `${paint('31', 'FAIL')} ${parts} (${read}; failing on ${options.failOn})`
    : `${paint('32', 'OK')} ${parts} (${read}; failing on ${options.failOn})`;
}
