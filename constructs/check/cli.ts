#!/usr/bin/env node
/**
 * The `cdk8s-tracing` command (package.json `bin`). One subcommand:
 *
 *   cdk8s-tracing check [options] <file or folder>...
 *
 * checks any Kubernetes manifests, offline: strict schemas, wiring between objects and addresses
 * in configuration, pod security and operational policy. Exit code 0 when no finding is at or
 * above `--fail-on`, 1 when one is, 2 when the input cannot be read or the command line is wrong
 * (a message, never a stack trace).
 *
 * Loads neither cdk8s nor the generated imports: only the checks and their three libraries
 * (ajv, js-yaml, yaml), so that it starts fast.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { checkPaths, type CheckOptions } from './check';
import { atLeast, SEVERITIES, type Severity } from './finding';
import { formatJson } from './format-json';
import { formatSarif } from './format-sarif';
import { formatText } from './format-text';
import { K8S_VERSION } from './k8s-schemas';
import { InputError, type ManifestInput } from './manifest-files';
import { RULES, unknownRuleSelectors } from './rules';

/** What the command reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, for the path `-`. */
  readonly stdin: () => string;
  /** Whether standard output is a terminal (colours, unless NO_COLOR is set). */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const USAGE = `Usage: cdk8s-tracing check [options] <file or folder>...

Checks Kubernetes manifests (YAML or JSON, one or many documents per file, List kinds; folders
are read recursively; - reads standard input), offline: Kubernetes ${K8S_VERSION} strict schemas and
CRD schemas, wiring (selectors, ports, references, addresses in configuration), restricted pod
security and operational policy.

Options:
  --format <text|json|sarif>     report format (default: text)
  --output <file>                write the report to a file instead of standard output
  --fail-on <error|warning|info> exit 1 when a finding is at least this severe (default: error)
  --crds <path>                  folder or file of CustomResourceDefinitions (repeatable)
  --schemas <path>               Kubernetes schemas to use instead of the packaged ${K8S_VERSION} ones
                                 (a kubernetes-validate schema folder, or its _definitions.json)
  --cache <folder>               keep the schema validators compiled in one run for the next ones
                                 (JavaScript files, run as code: a folder only you write to)
  --external <host:port>         an address outside the input that configuration may use,
                                 as written (repeatable; *.example.com:443 matches subdomains)
  --provided <Kind/name>         an object that exists without being in the input, such as
                                 Secret/es-credentials (repeatable)
  --namespace <name>             namespace of objects that set none (default: default)
  --skip <rule or family>        do not run a rule, or a family: schema, wiring, policy (repeatable)
  --draw <folder>                also draw each input file as a picture of how spans flow:
                                 <folder>/<name>.svg and <name>.md (a Mermaid block)
  --rules                        list the rules and their severities, then exit
  --version                      print the version, then exit
  -h, --help                     print this help, then exit

Exit status: 0 no finding at or above --fail-on, 1 some, 2 unreadable input or a wrong command line.
`;

/** Runs the command with `argv` (without `node` and the script); returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): number {
  try {
    return run(argv, io);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`cdk8s-tracing: ${message}\n`);
    if (!(e instanceof InputError) && !(e instanceof UsageError) && io.env.CDK8S_TRACING_DEBUG && e instanceof Error) io.stderr(`${e.stack}\n`);
    if (e instanceof UsageError) io.stderr('Run cdk8s-tracing check --help for the options.\n');
    return 2;
  }
}

class UsageError extends Error {}

function run(argv: readonly string[], io: CliIo): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    io.stdout(`${toolVersion()}\n`);
    return 0;
  }
  if (command !== 'check') throw new UsageError(`unknown command '${command}' (the command is: check)`);

  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: {
        'format': { type: 'string', default: 'text' },
        'output': { type: 'string' },
        'fail-on': { type: 'string', default: 'error' },
        'crds': { type: 'string', multiple: true, default: [] },
        'schemas': { type: 'string' },
        'cache': { type: 'string' },
        'external': { type: 'string', multiple: true, default: [] },
        'provided': { type: 'string', multiple: true, default: [] },
        'namespace': { type: 'string' },
        'skip': { type: 'string', multiple: true, default: [] },
        'draw': { type: 'string' },
        'rules': { type: 'boolean', default: false },
        'version': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${toolVersion()}\n`);
    return 0;
  }
  if (values.rules) {
    io.stdout(`${RULES.map((r) => `${r.id.padEnd(36)} ${r.severity.padEnd(8)} ${r.summary}`).join('\n')}\n`);
    return 0;
  }

  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`--format must be text, json or sarif, got '${format}'`);
  const failOn = values['fail-on'] as Severity;
  if (!SEVERITIES.includes(failOn)) throw new UsageError(`--fail-on must be error, warning or info, got '${String(failOn)}'`);
  const unknown = unknownRuleSelectors(values.skip);
  if (unknown.length > 0) throw new UsageError(`--skip names no rule: ${unknown.join(', ')} (see --rules)`);
  for (const e of values.external) {
    if (!/^(\*\.)?[^\s:/]+:\d{1,5}$/.test(e)) throw new UsageError(`--external takes host:port, got '${e}'`);
  }
  for (const p of values.provided) {
    if (!/^[A-Z][A-Za-z]*\/[^\s/]+$/.test(p)) throw new UsageError(`--provided takes Kind/name (Secret/es-credentials), got '${p}'`);
  }
  if (positionals.length === 0) throw new UsageError('no files or folders to check');

  const options: CheckOptions = {
    ...(values.schemas !== undefined ? { schemas: path.resolve(io.cwd, values.schemas) } : {}),
    crds: values.crds.map((c) => path.resolve(io.cwd, c)),
    ...(values.cache !== undefined ? { validatorCache: path.resolve(io.cwd, values.cache) } : {}),
    externalEndpoints: values.external,
    provided: values.provided,
    ...(values.namespace !== undefined ? { defaultNamespace: values.namespace } : {}),
    skip: values.skip,
  };
  const { input, findings } = checkPaths(positionals, options, { stdin: io.stdin, cwd: io.cwd });

  const counts = { files: input.files.length, objects: input.objects.length };
  const toFile = values.output !== undefined;
  const report = format === 'json' ? formatJson(findings, { toolVersion: toolVersion(), ...counts, failOn })
    : format === 'sarif' ? formatSarif(findings, { toolVersion: toolVersion() })
      : formatText(findings, { ...counts, failOn, color: !toFile && io.isTTY && !io.env.NO_COLOR });
  if (toFile) {
    try {
      fs.writeFileSync(path.resolve(io.cwd, values.output!), report);
    } catch (e) {
      throw new InputError(`--output ${values.output}: cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  } else {
    io.stdout(report);
  }
  if (values.draw !== undefined) {
    const written = drawStacks(input, path.resolve(io.cwd, values.draw), options);
    io.stderr(`cdk8s-tracing: drew ${written.length} picture(s) in ${values.draw}: ${written.join(', ')}\n`);
  }
  return findings.some((f) => atLeast(f.severity, failOn)) ? 1 : 0;
}

/**
 * Draws each input file as one stack (drawn together, so that a file's endpoint served by another
 * file is drawn as that component); writes `<name>.svg` and `<name>.md` in `folder`, where `<name>`
 * is the file's name without `.k8s.yaml`, `.yaml`, `.yml` or `.json`. Returns the names written.
 */
function drawStacks(input: ManifestInput, folder: string, options: CheckOptions): string[] {
  // Loaded only to draw: Graphviz is large and the check itself does not need it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { diagramsOfStacks } = require('../diagram/flow-diagram') as typeof import('../diagram/flow-diagram');
  const { renderSvgsSync } = require('../diagram/svg') as typeof import('../diagram/svg');
  const { renderMermaidMarkdown } = require('../diagram/mermaid') as typeof import('../diagram/mermaid');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const taken = new Set<string>();
  const stacks = input.files.map((file) => {
    const base = path.basename(file === '-' ? 'stdin' : file).replace(/(\.k8s)?\.(ya?ml|json)$/i, '') || 'stack';
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    taken.add(name);
    return {
      name,
      objects: input.objects.filter((o) => o.file === file).map((o) => o.object),
      externalEndpoints: options.externalEndpoints,
      ...(options.defaultNamespace !== undefined ? { defaultNamespace: options.defaultNamespace } : {}),
    };
  }).filter((s) => s.objects.length > 0);
  const diagrams = diagramsOfStacks(stacks);
  const svgs = renderSvgsSync(diagrams);
  try {
    fs.mkdirSync(folder, { recursive: true });
    stacks.forEach((s, i) => {
      fs.writeFileSync(path.join(folder, `${s.name}.svg`), svgs[i]);
      fs.writeFileSync(path.join(folder, `${s.name}.md`), renderMermaidMarkdown(diagrams[i]));
    });
  } catch (e) {
    throw new InputError(`--draw ${folder}: cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return stacks.map((s) => s.name);
}

/** The package's version, from the package.json above this file (in the sources or in lib/). */
function toolVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cdk8s-tracing' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: () => fs.readFileSync(0, 'utf8'),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
  };
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
