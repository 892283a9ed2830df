import { ApiObject } from 'cdk8s';

/** JSON pointer of a raw workload object's pod template (a CronJob's is inside its job template). */
export function podTemplatePointer(workload: ApiObject): string {
  return workload.kind === 'CronJob' ? '/spec/jobTemplate/spec/template' : '/spec/template';
}

/** What a raw workload object currently holds at `pointer` (a path without escapes), or undefined. */
export function valueAt<T>(workload: ApiObject, pointer: string): T | undefined {
  return pointer.split('/').slice(1).reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], workload.toJson()) as T | undefined;
}
