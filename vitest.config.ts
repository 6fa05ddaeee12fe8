import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql instance: Pothos and @apollo/subgraph load its CommonJS build, so the tests
  // must too, or graphql-js refuses types "from another module or realm".
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The JSON report is what .ci/run counts for its "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
