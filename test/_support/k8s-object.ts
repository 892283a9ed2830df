/** A synthesized Kubernetes object, as `Testing.synth(chart)` returns it: the library's own manifest type. */
export type { Manifest as K8sObject } from '../../constructs/wiring/_json';

/** `Kind/name`, how every error message names an object; whether a value is a JSON object. */
export { isRecord, objectRef } from '../../constructs/wiring/_json';
