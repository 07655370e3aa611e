/** The end-to-end pod run (`npm run test:e2e`): builds the image, runs pods in podman; root only, minutes not seconds. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e', '<rootDir>/test/image'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  testTimeout: 600000,
  maxWorkers: 1,
  verbose: true,
};
