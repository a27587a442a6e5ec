import { describe, expect, it } from 'vitest';
import { buildSkewlessApp } from '../../lib/cdk/app.ts';
import { flightsRegistry, testApp } from './synth.ts';

describe('cdk-nag AwsSolutionsChecks', () => {
  it('synthesizes the flights store with no unacknowledged finding', async () => {
    const registry = await flightsRegistry();
    const app = testApp({}, true);
    buildSkewlessApp({ app, registry });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    const findings = message
      .split('\n')
      .filter((l) => /Acknowledge with|\b(ERROR|WARNING)\b/.test(l))
      .join('\n');
    expect(findings).toBe('');
  });
});
