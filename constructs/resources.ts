import { ErrorScope, propError } from './_errors';

/** CPU and memory of one container, as Kubernetes quantities (`250m`, `512Mi`). */
export interface ContainerResources {
  /** Requested CPU, e.g. `250m`. */
  readonly cpuRequest: string;
  /**
   * CPU limit.
   * @default - no CPU limit (throttling a tracing pipeline drops spans; memory is what must be bounded)
   */
  readonly cpuLimit?: string;
  /** Requested memory, e.g. `256Mi`. */
  readonly memoryRequest: string;
  /** Memory limit, e.g. `512Mi`; also sets `GOMEMLIMIT` for Go programs that read it. */
  readonly memoryLimit: string;
}

const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei|e\d+)?$/;

const BINARY: Record<string, number> = { '': 1, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18, 'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60, 'm': 1e-3 };

/** Parses a Kubernetes quantity into a number of base units (cores, bytes). */
export function parseQuantity(scope: ErrorScope, field: string, value: string): number {
  const m = typeof value === 'string' ? QUANTITY.exec(value) : null;
  if (!m) throw propError(scope, field, value, 'a Kubernetes quantity such as "250m", "1", "512Mi" or "2Gi"');
  const suffix = m[3] ?? '';
  const base = Number(m[1]);
  if (suffix.startsWith('e')) return base * 10 ** Number(suffix.slice(1));
  return base * BINARY[suffix];
}

/** Checks that every quantity parses and that no request exceeds its limit. */
export function validateResources(scope: ErrorScope, field: string, r: ContainerResources): void {
  const cpuReq = parseQuantity(scope, `${field}.cpuRequest`, r.cpuRequest);
  const memReq = parseQuantity(scope, `${field}.memoryRequest`, r.memoryRequest);
  const memLim = parseQuantity(scope, `${field}.memoryLimit`, r.memoryLimit);
  if (memReq > memLim) throw propError(scope, `${field}.memoryRequest`, r.memoryRequest, `at most memoryLimit (${r.memoryLimit})`);
  if (r.cpuLimit !== undefined) {
    const cpuLim = parseQuantity(scope, `${field}.cpuLimit`, r.cpuLimit);
    if (cpuReq > cpuLim) throw propError(scope, `${field}.cpuRequest`, r.cpuRequest, `at most cpuLimit (${r.cpuLimit})`);
  }
}
