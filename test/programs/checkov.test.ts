/**
 * An independent manifest scanner over every example stack: Checkov 3.3.30 (PyPI, installed by
 * scripts/programs/checkov.sh) with its Kubernetes checks, offline (`--skip-download`), on the
 * files exactly as `npm run synth` writes them. A finding is either fixed or suppressed on its
 * object with a written reason (`checkov.io/skip<n>: <check>=<reason>`, which the library writes
 * for its deliberate choices); a check still open would be listed in PENDING with what closes it
 * (none is: CKV2_K8S_6, pods without a NetworkPolicy, closed when the policies came).
 */
import { spawnSync } from 'child_process';
import { rmSync } from 'fs';
import { buildApp } from '../../main';
import { synthesizeApp } from '../../constructs';
import { describeWithProgram, tempDir } from '../_support/programs';

const CHECKOV_VERSION = '3.3.30';
const [describeCheckov, checkov] = describeWithProgram({
  binary: 'checkov',
  folder: `checkov-${CHECKOV_VERSION}`,
  envVar: 'CHECKOV_BIN',
  script: 'scripts/programs/checkov.sh',
});

/** Checks that still fail on the example stacks, and what will close them. */
const PENDING: Record<string, string> = {};

interface Finding { check_id: string; resource: string; file_path: string; check_result: { result: string; suppress_comment?: string } }
interface Report { check_type: string; summary: { passed: number; failed: number; skipped: number; resource_count: number }; results: { failed_checks: Finding[]; skipped_checks: Finding[] } }

describeCheckov(`Checkov ${CHECKOV_VERSION} over the example stacks`, () => {
  let report: Report;
  let outdir = '';

  beforeAll(() => {
    outdir = tempDir('checkov-examples');
    synthesizeApp(buildApp({ outdir }), { diagrams: false });
    const run = spawnSync(checkov, ['-d', outdir, '--framework', 'kubernetes', '-o', 'json', '--skip-download'],
      { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
    // Exit code 1 means "findings"; anything else, or no JSON, is a failed run.
    if (run.error || (run.status !== 0 && run.status !== 1)) throw new Error(`checkov failed (${run.status}): ${run.error ?? ''}${run.stderr}`);
    const parsed = JSON.parse(run.stdout) as Report | Report[];
    report = (Array.isArray(parsed) ? parsed : [parsed]).find(r => r.check_type === 'kubernetes')!;
  }, 200_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  test('finds nothing but the pending checks', () => {
    const failed = report.results.failed_checks;
    const unexpected = failed.filter(f => !(f.check_id in PENDING)).map(f => `${f.check_id} ${f.resource} (${f.file_path})`);
    expect(unexpected).toEqual([]);
    // A pending check that no longer fails must leave PENDING.
    expect([...new Set(failed.map(f => f.check_id))].sort()).toEqual(Object.keys(PENDING).sort());
    process.stdout.write(`checkov ${CHECKOV_VERSION}: ${report.summary.resource_count} resources, ${report.summary.passed} checks passed, `
      + `${report.summary.skipped} suppressed with a reason, ${failed.length} pending (${Object.keys(PENDING).join(', ')})\n`);
  });

  test('every suppression on the objects gives its reason', () => {
    const skipped = report.results.skipped_checks;
    expect(skipped.length).toBeGreaterThan(50);
    const bare = skipped.filter(f => (f.check_result.suppress_comment ?? '').trim().length < 30).map(f => `${f.check_id} ${f.resource}: ${f.check_result.suppress_comment}`);
    expect(bare).toEqual([]);
    expect([...new Set(skipped.map(f => f.check_id))].sort()).toEqual(['CKV2_K8S_6', 'CKV_K8S_11', 'CKV_K8S_15', 'CKV_K8S_35', 'CKV_K8S_38', 'CKV_K8S_43']);
  });
});
