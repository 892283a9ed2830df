/**
 * One key of a Secret that the user creates and manages. The library never creates Secrets that
 * hold credentials: they are referenced by name and mounted or read into the environment.
 */
export interface SecretKeyReference {
  /** Name of the Secret, in the namespace of the workload that uses it. */
  readonly secretName: string;
  /** Key inside the Secret's `data`. */
  readonly key: string;
}
