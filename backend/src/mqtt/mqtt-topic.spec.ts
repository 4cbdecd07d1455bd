import { backoffMs, subscriptionChanges, topicProblem } from './mqtt-topic';

describe(topicProblem.name, () => {
  it('accepts a plain topic', () => {
    expect(topicProblem('wardtrack/devices/RDR-1/tags')).toBeNull();
  });

  it.each([
    ['', /1-200/],
    ['x'.repeat(201), /1-200/],
    ['wardtrack/devices/#', /wildcards/],
    ['wardtrack/+/tags', /wildcards/],
    ['a\u0000b', /NUL/],
    ['$SYS/broker', /reserved/],
  ])('refuses %j', (topic, message) => {
    expect(topicProblem(topic)).toMatch(message);
  });
});

describe(backoffMs.name, () => {
  it('doubles from the base up to the cap', () => {
    expect([0, 1, 2, 3, 5, 6, 7, 100].map((a) => backoffMs(a))).toEqual([
      1000, 2000, 4000, 8000, 32000, 60000, 60000, 60000,
    ]);
  });

  it('takes its own base and cap', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, 100, 300))).toEqual([100, 200, 300, 300]);
  });
});

describe(subscriptionChanges.name, () => {
  it('lists what to subscribe to and what to drop', () => {
    expect(subscriptionChanges(new Set(['a', 'b']), new Set(['b', 'c']))).toEqual({
      subscribe: ['c'],
      unsubscribe: ['a'],
    });
  });

  it('changes nothing when the sets are equal', () => {
    expect(subscriptionChanges(new Set(['a']), new Set(['a']))).toEqual({ subscribe: [], unsubscribe: [] });
  });
});
