/** Tests are transpiled only (tsconfig `isolatedModules`): type-checking, including the large
 * generated `imports/`, happens once in `npm run build` and `npm run typecheck`, not in every test run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 60000,
};
