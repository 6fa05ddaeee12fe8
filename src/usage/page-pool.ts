/**
 * Worker threads that parse and aggregate the pages of usage scans (page.ts), so that a scan of a
 * whole log history neither holds the main thread (other tenants' requests wait behind a parse)
 * nor fills its heap with parsed pages: a page goes in as bytes and comes out as figures. The
 * bytes travel in an ArrayBuffer that is transferred to the thread and back with the figures, and
 * reused for a later page: no copy but the one assembling the body, no fresh memory per page, and
 * no buffer left waiting in a thread for a GC that a thread allocating little seldom runs. One pool
 * per gateway: threads start on demand, end after `idleMs` without work (their buffers with
 * them), and all end at `close()` (the gateway's dispose). A thread that dies fails its pages with
 * a coded error and is replaced by the next page.
 */
import { Buffer } from 'node:buffer';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UpstreamError } from '../upstream/errors.js';
import type { RawBody } from '../upstream/http.js';
import { aggregatePage, fromPageError, type PageError, type PageFigures, type PageJob, type PageTask } from './page.js';

export interface PagePoolOptions {
  /** threads at most; 0: pages are aggregated on the calling thread */
  size: number;
  /** a thread without work for this long ends */
  idleMs: number;
  /** a thread's heap limit (V8's default when absent): past it the thread dies, not the process */
  heapMb?: number;
}

/**
 * A core is left to the main thread, which serves every other request: on 2 cores one thread
 * (two were no faster on a shared 2-core machine, the main thread and the upstream's answers
 * busy too, and held ~30 MB more at peak: docs/benchmarks.md), two from 3 cores on.
 */
export const DEFAULT_PAGE_POOL: PagePoolOptions = { size: Math.max(1, Math.min(2, availableParallelism() - 1)), idleMs: 10_000 };

interface Pending {
  path: string;
  resolve: (figures: PageFigures) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  idle: NodeJS.Timeout | null;
  /** why the thread died, when it threw (out of memory, a bug) */
  error?: Error;
}

export class PagePool {
  private readonly threads: Thread[] = [];
  /** buffers back from the threads, for the next pages */
  private buffers: ArrayBuffer[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: PagePoolOptions = DEFAULT_PAGE_POOL) {}

  /** The figures of one page, from the least busy thread (a new one while fewer than `size` run). */
  run(body: RawBody, job: PageJob): Promise<PageFigures> {
    if (this.options.size === 0) return Promise.resolve().then(() => aggregatePage({ ...job, status: body.status, bytes: Buffer.concat(body.chunks, body.size) }));
    if (this.closed) return Promise.reject(new UpstreamError('UPSTREAM_UNAVAILABLE', 'The gateway is shutting down', { path: job.path }));
    const task: PageTask = { ...job, status: body.status, bytes: this.assemble(body) };
    let thread = this.threads.reduce<Thread | undefined>((least, t) => (!least || t.pending.size < least.pending.size ? t : least), undefined);
    if (!thread || (thread.pending.size > 0 && this.threads.length < this.options.size)) thread = this.start();
    const id = this.nextId++;
    if (thread.idle) clearTimeout(thread.idle), (thread.idle = null);
    if (thread.pending.size === 0) thread.worker.ref();
    const { promise, resolve, reject } = withResolvers<PageFigures>();
    thread.pending.set(id, { path: task.path, resolve, reject });
    thread.worker.postMessage({ id, task }, [task.bytes.buffer as ArrayBuffer]);
    return promise;
  }

  /** The body in a buffer of the pool's (or a new one, a quarter larger, for pages of slightly different sizes). */
  private assemble(body: RawBody): Uint8Array {
    const at = this.buffers.findIndex((buffer) => buffer.byteLength >= body.size);
    const buffer = at >= 0 ? this.buffers.splice(at, 1)[0] : new ArrayBuffer(Math.ceil(body.size * 1.25));
    const bytes = new Uint8Array(buffer, 0, body.size);
    let offset = 0;
    for (const chunk of body.chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return bytes;
  }

  /** Threads running now (tests, metrics). */
  size(): number {
    return this.threads.length;
  }

  /** Ends every thread; pages still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private start(): Thread {
    const thread: Thread = { worker: startWorker(this.options.heapMb), pending: new Map(), idle: null };
    this.threads.push(thread);
    thread.worker.on('message', ({ id, figures, error, buffer }: { id: number; figures?: PageFigures; error?: PageError; buffer: ArrayBuffer }) => {
      // as many buffers kept as pages can be in the threads at once; idle threads keep none
      if (this.buffers.length < this.options.size * 4) this.buffers.push(buffer);
      const pending = thread.pending.get(id);
      if (!pending) return;
      thread.pending.delete(id);
      if (error) pending.reject(fromPageError(error));
      else pending.resolve(figures!);
      if (thread.pending.size === 0) this.rest(thread);
    });
    // An uncaught error ends the thread: 'exit' follows and fails what it held.
    thread.worker.on('error', (error) => (thread.error = error));
    thread.worker.on('exit', (code) => {
      this.forget(thread);
      if (thread.idle) clearTimeout(thread.idle);
      for (const { path, reject } of thread.pending.values()) {
        const why = this.closed ? 'the gateway is shutting down' : `its worker thread stopped (${thread.error?.message ?? `exit code ${code}`})`;
        reject(new UpstreamError('UPSTREAM_BAD_RESPONSE', `The usage scan could not read a page of ${path}: ${why}`, { path }));
      }
      thread.pending.clear();
    });
    return thread;
  }

  /** An idle thread keeps no process alive and ends after idleMs, and with the last one the buffers go. */
  private rest(thread: Thread): void {
    thread.worker.unref();
    thread.idle = setTimeout(() => {
      // out of the pool before it ends: no page is sent to a thread on its way out
      this.forget(thread);
      void thread.worker.terminate();
      if (this.threads.every((t) => t.pending.size === 0)) this.buffers = [];
    }, this.options.idleMs).unref();
  }

  private forget(thread: Thread): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
  }
}

/**
 * The built package runs page-worker.js. From the TypeScript sources (tests, `npm start` through
 * tsx) the thread loads page-worker.ts through tsx, a devDependency: Node 20 threads do not take
 * the parent's loader.
 */
function startWorker(heapMb: number | undefined): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./page-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const options = heapMb ? { resourceLimits: { maxOldGenerationSizeMb: heapMb } } : {};
  if (!fromSource) return new Worker(entry, options);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`, { ...options, eval: true });
}

/** No threads: for loaders that never scan (a mutation's fresh key list, src/schema/api-key.ts). */
export const INLINE_PAGES = new PagePool({ size: 0, idleMs: 0 });

/** Promise.withResolvers, which Node 20 lacks. */
function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
