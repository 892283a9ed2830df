import { ApiObject, Duration } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

// Checks on values of cdk8s and cdk8s-plus types that hold whichever copy of those packages made
// the value. `x instanceof Duration` is false for a Duration of the application's own cdk8s when
// this library resolves another copy (installed from a path, which npm links, or beside another
// version), and would refuse a valid value. cdk8s's ApiObject and the constructs library's
// Construct carry a global symbol for this (`ApiObject.isApiObject`, `Construct.isConstruct`);
// Duration and cdk8s-plus workloads do not, so they are recognised by the methods this library calls.

function hasMethods(x: unknown, names: readonly string[]): boolean {
  return typeof x === 'object' && x !== null && names.every(n => typeof (x as Record<string, unknown>)[n] === 'function');
}

/** True for a cdk8s Duration from any copy of cdk8s. */
export function isDuration(x: unknown): x is Duration {
  return hasMethods(x, ['toMilliseconds', 'toSeconds', 'toHours', 'toHumanString']);
}

/** True for a cdk8s-plus workload (Deployment, StatefulSet, DaemonSet, Job, Pod...) from any copy of cdk8s-plus. */
export function isPlusWorkload(x: unknown): x is plus.AbstractPod {
  return Boolean(Construct.isConstruct(x)) && !ApiObject.isApiObject(x)
    && Array.isArray((x as { containers?: unknown }).containers)
    && hasMethods(x, ['addContainer'])
    && hasMethods((x as { podMetadata?: unknown }).podMetadata, ['addAnnotation']);
}
