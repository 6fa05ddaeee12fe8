/**
 * The text of a large upstream body, assembled in one buffer that is reused from body to body.
 * A usage scan reads ~100 log pages of ~5 MB: a fresh 5 MB buffer per page (Buffer.concat) cost
 * ~30 ms a page on a busy machine, mostly faulting in new memory, against ~2 ms copying into a
 * buffer already in use (docs/benchmarks.md, "Round two"). The buffer is let go after a few idle
 * seconds, so a gateway between scans holds none. Assembling is synchronous: one buffer serves
 * every body, however many are read at once.
 */
import type { BodyEncoding } from './json.js';

/** bodies smaller than this are joined as usual */
const REUSE_FROM_BYTES = 256 * 1024;
const IDLE_MS = 5_000;

export class BodyBuffer {
  private buffer: Buffer | null = null;
  private readonly idle = setTimeout(() => (this.buffer = null), IDLE_MS).unref();

  /** `chunks` (`size` bytes in all) as text */
  text(chunks: readonly Buffer[], size: number, encoding: BodyEncoding): string {
    // (most answers arrive in one chunk: read it where it is, no copy)
    if (chunks.length === 1) return chunks[0]!.toString(encoding, 0, size);
    if (size < REUSE_FROM_BYTES) return Buffer.concat(chunks, size).toString(encoding);
    // grown by a quarter more than needed, so pages of slightly different sizes fit the same buffer
    if (!this.buffer || this.buffer.length < size) this.buffer = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
    let at = 0;
    for (const chunk of chunks) at += chunk.copy(this.buffer, at);
    this.idle.refresh();
    return this.buffer.toString(encoding, 0, size);
  }
}
