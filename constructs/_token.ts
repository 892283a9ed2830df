/**
 * A value computed when the chart is synthesized, such as a configuration that may still change
 * after the construct is made (`config.addReceiver(...)`, `sampling.addService(...)`).
 *
 * cdk8s resolves any object with a `resolve()` method, whichever copy of cdk8s synthesizes it;
 * a `Lazy` is only resolved by the copy of cdk8s that made it, so a library installed beside the
 * application's own cdk8s (an install from a path) would write `{"producer":{}}` instead.
 */
export function atSynth<T>(produce: () => T): T {
  return { resolve: produce } as unknown as T;
}
