/** BodyBuffer: the reused buffer gives exactly the text Buffer.concat would, body after body. */
import { describe, expect, it } from 'vitest';
import { BodyBuffer } from '../src/upstream/body-buffer.js';

const chunked = (text: string, size = 64 * 1024): Buffer[] => {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
};
const bytesOf = (chunks: Buffer[]) => chunks.reduce((n, c) => n + c.length, 0);

describe('BodyBuffer', () => {
  it('a large body, then a shorter one: each text is its own, nothing of the one before', () => {
    const into = new BodyBuffer();
    const long = `{"data":"${'模型'.repeat(200_000)}"}`;
    const short = `{"data":"${'x'.repeat(300_000)}"}`;
    const first = into.text(chunked(long), bytesOf(chunked(long)), 'utf8');
    const second = into.text(chunked(short), bytesOf(chunked(short)), 'utf8');
    expect(first).toBe(long);
    expect(second).toBe(short);
    // the first text did not change when the buffer was written again
    expect(first).toBe(long);
  });

  it('latin1 reads each byte as one character, as Buffer.concat would', () => {
    const into = new BodyBuffer();
    const body = `{"content":"${'日志'.repeat(100_000)}"}`;
    const chunks = chunked(body, 1_000);
    expect(into.text(chunks, bytesOf(chunks), 'latin1')).toBe(Buffer.concat(chunks).toString('latin1'));
  });

  it('small bodies are joined as usual', () => {
    const into = new BodyBuffer();
    expect(into.text(chunked('{"a":1}'), 7, 'utf8')).toBe('{"a":1}');
    expect(into.text([], 0, 'utf8')).toBe('');
  });
});
