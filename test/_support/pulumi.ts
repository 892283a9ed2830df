/**
 * The real Pulumi engine for tests: the CLI and the Kubernetes resource provider built by
 * `scripts/programs/pulumi.sh`, driven by the Automation API with an inline program (which runs in
 * the test's own process, so no Node.js language host is needed), a local file state backend and a
 * plugin directory of its own, both temporary.
 */
import { LocalWorkspace, OutputMap, PulumiCommand, Stack, UpResult } from '@pulumi/pulumi/automation';
import type { EngineEvent } from '@pulumi/pulumi/automation';
import { mkdirSync, rmSync, symlinkSync } from 'fs';
import { join } from 'path';
import { findProgram, ProgramSpec, runProgram, tempDir } from './programs';

export const PULUMI_VERSION = '3.248.0';
export const PULUMI_KUBERNETES_VERSION = '4.25.0';

export const PROGRAMS = {
  pulumi: { binary: 'pulumi', folder: `pulumi-${PULUMI_VERSION}`, envVar: 'PULUMI_BIN', script: 'scripts/programs/pulumi.sh' },
  kubernetesProvider: {
    binary: 'pulumi-resource-kubernetes',
    folder: `pulumi-kubernetes-${PULUMI_KUBERNETES_VERSION}`,
    envVar: 'PULUMI_KUBERNETES_BIN',
    script: 'scripts/programs/pulumi.sh',
  },
} as const satisfies Record<string, ProgramSpec>;

/** The CLI and the provider binaries. */
export interface PulumiPrograms {
  readonly cli: string;
  readonly kubernetesProvider: string;
}

/** Both binaries, or undefined (after one printed line; in CI, a missing one throws). */
export function findPulumi(): PulumiPrograms | undefined {
  const cli = findProgram(PROGRAMS.pulumi);
  const kubernetesProvider = cli ? findProgram(PROGRAMS.kubernetesProvider) : undefined;
  return cli && kubernetesProvider ? { cli, kubernetesProvider } : undefined;
}

/** One engine operation's events, with what each resource did. */
export interface Operation {
  readonly events: EngineEvent[];
  /** `op` of each resource's step by URN (`create`, `same`, `update`, `delete`, `read`, ...). */
  readonly steps: Map<string, string>;
  readonly outputs?: OutputMap;
}

/** A stack of an inline program in a temporary workspace, state backend and plugin directory. */
export class PulumiStack {
  /** Sets up the workspace (installs the provider binary as plugin `kubernetes` of its version) and selects `stackName`. */
  public static async create(programs: PulumiPrograms, projectName: string, program: () => Promise<Record<string, unknown>>): Promise<PulumiStack> {
    const dir = tempDir('pulumi');
    const home = join(dir, 'home');
    const state = join(dir, 'state');
    const root = join(dir, 'cli');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(state);
    symlinkSync(programs.cli, join(root, 'bin', 'pulumi'));
    const env = { PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: 'true', PULUMI_CONFIG_PASSPHRASE: 'test-only' };
    const install = runProgram(programs.cli, ['plugin', 'install', 'resource', 'kubernetes', PULUMI_KUBERNETES_VERSION, '--file', programs.kubernetesProvider],
      { env, timeoutMs: 120_000 });
    if (install.status !== 0) throw new Error(`pulumi plugin install failed (${install.status}): ${install.stderr}${install.stdout}`);
    const pulumiCommand = await PulumiCommand.get({ root, version: undefined });
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: 'test', projectName, program }, {
      pulumiCommand,
      pulumiHome: home,
      envVars: { ...env, PULUMI_BACKEND_URL: `file://${state}` },
      projectSettings: { name: projectName, runtime: 'nodejs', backend: { url: `file://${state}` } },
    });
    return new PulumiStack(dir, stack);
  }

  private constructor(
    /** The temporary directory (state, plugins, CLI link). */
    public readonly dir: string,
    public readonly stack: Stack,
  ) {}

  /** `pulumi up` of `program` (the stack's own when omitted). */
  public async up(program?: () => Promise<Record<string, unknown>>): Promise<Operation & { result: UpResult }> {
    const events: EngineEvent[] = [];
    if (program) this.stack.workspace.program = program;
    const result = await this.stack.up({ onEvent: e => events.push(e), color: 'never' });
    return { events, steps: steps(events), outputs: result.outputs, result };
  }

  /** `pulumi destroy`. */
  public async destroy(): Promise<Operation> {
    const events: EngineEvent[] = [];
    await this.stack.destroy({ onEvent: e => events.push(e), color: 'never' });
    return { events, steps: steps(events) };
  }

  /** Removes the workspace and its state. */
  public remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function steps(events: readonly EngineEvent[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const e of events) {
    const step = e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
    if (step) found.set(step.urn, step.op);
  }
  return found;
}
