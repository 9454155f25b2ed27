import * as fc from 'fast-check';
import { effectiveWeights, WeightInvariantError } from '../../../lambdas/core/weights';

describe('effectiveWeights', () => {
  test('when every cluster is in service, the weights are the configured ones', () => {
    // GIVEN
    const inputs = [
      { id: 'a', baseWeight: 100, servingPercent: 100 },
      { id: 'b', baseWeight: 50, servingPercent: 100 },
    ];
    // WHEN / THEN
    expect(effectiveWeights(inputs)).toEqual({ a: 100, b: 50 });
  });

  test('when one cluster is isolated, it gets 0 and the others are raised in proportion to keep the total', () => {
    const w = effectiveWeights([
      { id: 'a', baseWeight: 100, servingPercent: 0 },
      { id: 'b', baseWeight: 100, servingPercent: 100 },
      { id: 'c', baseWeight: 50, servingPercent: 100 },
    ]);
    expect(w).toEqual({ a: 0, b: 167, c: 83 });
  });

  test('when a cluster ramps at 10%, it gets 10% of its base and the rest keep the total', () => {
    const w = effectiveWeights([
      { id: 'a', baseWeight: 100, servingPercent: 10 },
      { id: 'b', baseWeight: 100, servingPercent: 100 },
    ]);
    expect(w).toEqual({ a: 10, b: 190 });
  });

  test('when raising would exceed 255, the weight caps at 255', () => {
    const w = effectiveWeights([
      { id: 'a', baseWeight: 200, servingPercent: 0 },
      { id: 'b', baseWeight: 200, servingPercent: 100 },
    ]);
    expect(w).toEqual({ a: 0, b: 255 });
  });

  test('when every record would be 0, it throws instead of letting Route 53 answer with all of them', () => {
    expect(() =>
      effectiveWeights([
        { id: 'a', baseWeight: 100, servingPercent: 0 },
        { id: 'b', baseWeight: 100, servingPercent: 0 },
      ]),
    ).toThrow(WeightInvariantError);
  });

  test.each([
    {
      condition: 'a weight-0 record serves fully',
      inputs: [{ id: 'a', baseWeight: 0, servingPercent: 100 }, { id: 'b', baseWeight: 100, servingPercent: 100 }],
      weights: { a: 0, b: 100 },
    },
    {
      condition: 'a weight-0 record ramps',
      inputs: [{ id: 'a', baseWeight: 0, servingPercent: 50 }, { id: 'b', baseWeight: 100, servingPercent: 100 }],
      weights: { a: 0, b: 100 },
    },
    {
      condition: 'a small record ramps at 10 % (0.1 rounds to 0, but a serving record is never out of DNS)',
      inputs: [{ id: 'a', baseWeight: 1, servingPercent: 10 }, { id: 'b', baseWeight: 100, servingPercent: 100 }],
      weights: { a: 1, b: 100 },
    },
    {
      condition: 'two records ramp at half and a small one serves fully (it takes the rest of the total)',
      inputs: [{ id: 'a', baseWeight: 100, servingPercent: 50 }, { id: 'b', baseWeight: 100, servingPercent: 50 }, { id: 'c', baseWeight: 10, servingPercent: 100 }],
      weights: { a: 50, b: 50, c: 110 },
    },
    {
      condition: 'two records ramp and one serves fully',
      inputs: [{ id: 'a', baseWeight: 100, servingPercent: 10 }, { id: 'b', baseWeight: 100, servingPercent: 50 }, { id: 'c', baseWeight: 100, servingPercent: 100 }],
      weights: { a: 10, b: 50, c: 240 },
    },
    { condition: 'there are no records', inputs: [], weights: {} },
  ])('when $condition, the weights are $weights', ({ inputs, weights }) => {
    // GIVEN / WHEN / THEN (expected values worked out by hand from the rule, not by the function)
    expect(effectiveWeights(inputs)).toEqual(weights);
  });

  test.each([
    { condition: 'below 0', servingPercent: -1 },
    { condition: 'above 100', servingPercent: 101 },
    { condition: 'not a number', servingPercent: Number.NaN },
    { condition: 'infinite', servingPercent: Number.POSITIVE_INFINITY },
  ])('when a servingPercent is $condition, it throws WeightInvariantError naming the record', ({ servingPercent }) => {
    expect(() => effectiveWeights([{ id: 'a', baseWeight: 100, servingPercent }, { id: 'b', baseWeight: 100, servingPercent: 100 }])).toThrow(
      new WeightInvariantError(`servingPercent of a must be between 0 and 100, got: ${servingPercent}`),
    );
  });

  test('when every record would be 0, the error says why Route 53 must not see it', () => {
    expect(() => effectiveWeights([{ id: 'a', baseWeight: 100, servingPercent: 0 }])).toThrow(
      'every record would have weight 0; Route 53 would then answer with all of them, isolated clusters included',
    );
    // the stable code logs and handlers tell this failure by
    expect(new WeightInvariantError('x')).toMatchObject({ name: 'WeightInvariantError', code: 'WEIGHT_INVARIANT' });
  });

  test('when inputs are random, weights stay in 0..255, isolated ones are 0, serving ones are > 0, healthy ratios hold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ baseWeight: fc.integer({ min: 1, max: 255 }), servingPercent: fc.constantFrom(0, 10, 50, 100) }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          fc.pre(rows.some((r) => r.servingPercent > 0));
          const inputs = rows.map((r, i) => ({ id: `c${i}`, ...r }));
          const w = effectiveWeights(inputs);
          for (const i of inputs) {
            expect(w[i.id]).toBeGreaterThanOrEqual(0);
            expect(w[i.id]).toBeLessThanOrEqual(255);
            expect(w[i.id] === 0).toBe(i.servingPercent === 0);
          }
          const full = inputs.filter((i) => i.servingPercent === 100 && w[i.id] < 255);
          for (const x of full) for (const y of full) {
            // rounding aside, two fully serving clusters keep their configured ratio
            expect(Math.abs(w[x.id] * y.baseWeight - w[y.id] * x.baseWeight)).toBeLessThanOrEqual(x.baseWeight + y.baseWeight);
          }
        },
      ),
    );
  });
});
