/** Standard `app.kubernetes.io/*` labels of one component. */
export interface ComponentLabels {
  /** `app.kubernetes.io/name`, the application (`jaeger`). */
  readonly name: string;
  /** `app.kubernetes.io/instance`, this installation (the construct's resource name). */
  readonly instance: string;
  /** `app.kubernetes.io/component` (`collector`, `query`, `all-in-one`). */
  readonly component: string;
  /** `app.kubernetes.io/version`, the application version. */
  readonly version?: string;
}

export const PART_OF = 'cdk8s-tracing';

/** Labels that select the pods of one component: stable across upgrades (no version). */
export function selectorLabels(l: ComponentLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
    'app.kubernetes.io/component': l.component,
  };
}

/** The full label set for every object of one component. */
export function standardLabels(l: ComponentLabels): Record<string, string> {
  return {
    ...selectorLabels(l),
    ...(l.version ? { 'app.kubernetes.io/version': l.version } : {}),
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}
