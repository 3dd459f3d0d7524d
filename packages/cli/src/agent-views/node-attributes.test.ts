import { InputError } from '@fmls/core';
import { parseNodeAssignments } from './node-attributes';

describe('parseNodeAssignments', () => {
  it('maps known keys to canonical numbers', () => {
    expect(parseNodeAssignments(['bandwidth_mbps=100.50', 'free_disk_mb=0', 'gpus=2', ' max_tasks = 3 '])).toEqual({
      bandwidth_mbps: '100.5',
      free_disk_mb: '0',
      gpus: '2',
      max_tasks: '3',
    });
  });

  it.each([
    [[], /nothing to set/],
    [['gpus'], /not key=value/],
    [['=2'], /not key=value/],
    [['cpus=2'], /unknown node attribute "cpus"/],
    [['toString=1'], /unknown node attribute/],
    [['gpus=1.5'], /gpus="1.5": GPUs the node offers must be an integer/],
    [['gpus=-1'], /at least 0/],
    [['max_tasks=0'], /at least 1/],
    [['bandwidth_mbps=fast'], /must be a number/],
    [['bandwidth_mbps='], /must be a number/],
    [['bandwidth_mbps=Infinity'], /must be a number/],
    [['gpus=1', 'gpus=2'], /given twice/],
  ])('rejects %j', (words, message) => {
    expect(() => parseNodeAssignments(words)).toThrow(InputError);
    expect(() => parseNodeAssignments(words)).toThrow(message);
  });

  it('exits 2 with a fix that lists the keys', () => {
    try {
      parseNodeAssignments(['x=1']);
      throw new Error('no error');
    } catch (err) {
      expect((err as InputError).exitCode).toBe(2);
      expect((err as InputError).fix).toContain('bandwidth_mbps, free_disk_mb, gpus, max_tasks');
    }
  });
});
