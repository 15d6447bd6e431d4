import { murmur2 as kafkaClientMurmur2 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForCollection } from './partitioner.js';

describe('partitioner', () => {
  it("matches Kafka's murmur2 on the reference cases of Kafka's own UtilsTest", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, expected] of cases) {
      expect(murmur2(Buffer.from(text))).toBe(expected);
    }
  });

  it("agrees with the Kafka client's implementation on UUIDs and odd lengths", () => {
    for (let i = 0; i < 200; i++) {
      const key = i % 2 ? crypto.randomUUID() : crypto.randomUUID().slice(0, i % 36);
      expect(murmur2(Buffer.from(key))).toBe(kafkaClientMurmur2(Buffer.from(key)));
    }
  });

  it('maps a collection to a stable partition within range', () => {
    const id = '6d3bd5a6-56a1-4b55-a1d5-e0a1b2f3c4d5';
    const p = partitionForCollection(id, 8);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(8);
    expect(partitionForCollection(id, 8)).toBe(p);
    expect(partitionForCollection(id, 1)).toBe(0);
    expect(() => partitionForCollection(id, 0)).toThrow(RangeError);
  });
});
