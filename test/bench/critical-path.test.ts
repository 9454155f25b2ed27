import { criticalPath, describePath, lastToEnd, type TracedCall } from '../../bench/critical-path';

/** A call from `start` to `end` (ms). */
const call = (label: string, start: number, end: number, lane?: string): TracedCall => ({ label, start, end, ...(lane ? { lane } : {}) });

describe('critical path of a call log', () => {
  test('when calls run one after the other, every one of them is on the path', () => {
    // GIVEN
    const calls = [call('GetItem', 0, 100), call('BatchGetItem', 105, 205), call('TransactWriteItems', 210, 310)];
    // WHEN
    const path = criticalPath(calls, calls[2], 0);
    // THEN
    expect(path.calls.map((c) => c.label)).toEqual(['GetItem', 'BatchGetItem', 'TransactWriteItems']);
    expect(path.totalMs).toBe(310);
    expect(path.inCallsMs).toBe(300);
    expect(path.betweenCallsMs).toBe(10);
  });

  test('when calls fan out in parallel, only the one that ended last gates the next call', () => {
    // GIVEN: three describes at once, then the entries
    const calls = [
      call('Commit', 0, 100),
      call('DescribeNetworkAcls', 100, 190, 'CUT'),
      call('DescribeVpcs', 100, 230, 'CUT'),
      call('DescribeNetworkAcls', 100, 200, 'CUT'),
      call('CreateNetworkAclEntry', 232, 330, 'CUT'),
      call('CreateNetworkAclEntry', 232, 340, 'CUT'),
    ];
    // WHEN
    const path = criticalPath(calls, lastToEnd(calls, (c) => c.label === 'CreateNetworkAclEntry')!, 0);
    // THEN
    expect(path.calls.map((c) => c.label)).toEqual(['Commit', 'DescribeVpcs', 'CreateNetworkAclEntry']);
    expect(path.calls[2].end).toBe(340);
  });

  test('when another effect\'s call ended just before, it is not taken for a predecessor', () => {
    // GIVEN: the DNS lane's list ends after the cut's describe, before the cut's entry starts
    const calls = [
      call('Query', 0, 100),
      call('DescribeNetworkAcls', 100, 200, 'CUT_INTERNET 1'),
      call('ListResourceRecordSets', 100, 205, 'SET_DNS_WEIGHTS 0'),
      call('CreateNetworkAclEntry', 210, 310, 'CUT_INTERNET 1'),
    ];
    // WHEN
    const path = criticalPath(calls, calls[3], 0);
    // THEN
    expect(describePath(path.calls)).toBe('Query → DescribeNetworkAcls → CreateNetworkAclEntry');
  });

  test('when a call started before the origin, the path stops at the origin', () => {
    // GIVEN: a call of an earlier delivery in the log
    const calls = [call('Earlier', -200, -100), call('GetItem', 0, 100)];
    // WHEN
    const path = criticalPath(calls, calls[1], 0);
    // THEN
    expect(path.calls).toHaveLength(1);
  });

  test('when the target is not in the log, it throws', () => {
    // GIVEN / WHEN / THEN
    expect(() => criticalPath([call('A', 0, 1)], call('B', 0, 1), 0)).toThrow('the target call B is not in the trace');
  });

  test('when nothing matches, lastToEnd is undefined', () => {
    // GIVEN / WHEN / THEN
    expect(lastToEnd([call('A', 0, 1)], (c) => c.label === 'B')).toBeUndefined();
  });
});
