/** Tests are transpiled only (tsconfig `isolatedModules`): type-checking, including the large
 * generated `imports/`, happens once in `npm run build` and `npm run typecheck`, not in every test run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The examples import the library by its package name, as users do.
  moduleNameMapper: { '^cdk8s-tracing$': '<rootDir>/constructs', '^cdk8s-tracing/pulumi$': '<rootDir>/constructs/pulumi' },
  testTimeout: 60000,
};
