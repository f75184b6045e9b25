/**
 * The fast tier: no root, no Redis, no image, no native build; seconds on a laptop.
 * `npm run test:unit`. `npm test` (jest.config.js) runs these too, with everything else.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/unit'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  testTimeout: 10000,
};
