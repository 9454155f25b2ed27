import { configWith, exampleConfig, problemsFor } from '../support/example';

describe('controlPlane.reservedConcurrency', () => {
  test('when it is not set, it is 1: decisions are serialised by default', () => {
    // GIVEN / WHEN
    const config = exampleConfig();
    // THEN
    expect(config.controlPlane.reservedConcurrency).toBe(1);
  });

  test('when it is "none", the config validates with no reservation', () => {
    // GIVEN / WHEN
    const config = configWith((raw) => (raw.controlPlane.reservedConcurrency = 'none'));
    // THEN
    expect(config.controlPlane.reservedConcurrency).toBe('none');
  });

  test.each([[2], [0], ['1'], [null]])('when it is %p, it is rejected naming the field, the two values and the fix', (value) => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.controlPlane.reservedConcurrency = value));
    // THEN
    expect(problems).toEqual([
      'controlPlane.reservedConcurrency: must be 1 (one decision at a time) or "none" (no reservation, for an account whose Lambda concurrency cannot leave 100 unreserved). Fix: 1, or "none" until the "Concurrent executions" quota is raised',
    ]);
  });
});
