/**
 * `cdk8s-tracing/pulumi`: the same constructs deployed through Pulumi. Needs the optional peer
 * dependencies `@pulumi/pulumi` and `@pulumi/kubernetes`; the main entry point never loads them.
 */
export * from './tracing-deployment';
export { LIBRARY_CRDS, planDeployment } from './_deployment-plan';
export type { PlannedObject, RequiredCrd } from './_deployment-plan';
