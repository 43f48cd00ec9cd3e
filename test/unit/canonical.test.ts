import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, sha256Hex } from '../../src/util/canonical.js';

describe('canonicalJson', () => {
  it.each([
    ['sorts keys at every depth', { b: 1, a: { d: [{ z: 1, y: 2 }], c: 'x' } }, '{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}'],
    ['drops undefined members', { a: undefined, b: null }, '{"b":null}'],
    ['keeps list order, undefined items as null', [3, undefined, 1], '[3,null,1]'],
    ['leaves scalars alone', 'text', '"text"'],
  ])('%s', (_, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('hashes equal content equally, whatever the key order', () => {
    expect(contentHash({ a: 1, b: [1, 2] })).toBe(contentHash({ b: [1, 2], a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
