/** Unit and integration tests. The end-to-end pod run has its own config (jest.e2e.config.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/image/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  // The contract's source, so a change to a rule is tested without rebuilding contract/lib.
  moduleNameMapper: { '^@imds-emulator/contract$': '<rootDir>/contract/src' },
  testTimeout: 60000,
};
