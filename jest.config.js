/** Tests are transpiled only (tsconfig `isolatedModules`): type-checking, including the large
 * generated `imports/`, happens once in `npm run build` and `npm run typecheck`, not in every test run. */
const project = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The examples import the library by its package name, as users do.
  moduleNameMapper: { '^cdk8s-tracing$': '<rootDir>/constructs', '^cdk8s-tracing/pulumi$': '<rootDir>/constructs/pulumi' },
};

module.exports = {
  // One worker per core (jest's default leaves one core to itself, which on 2 cores means one
  // worker): jest's own process only hands out files and collects results.
  maxWorkers: '100%',
  testTimeout: 60000,
  projects: [
    {
      ...project,
      displayName: 'constructs',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/programs/'],
    },
    {
      ...project,
      // The real programs, one file at a time (test/_support/serial-runner.js), apart from the others.
      displayName: 'programs',
      roots: ['<rootDir>/test/programs'],
      runner: '<rootDir>/test/_support/serial-runner.js',
    },
  ],
};
