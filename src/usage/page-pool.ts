/**
 * Worker threads that parse and aggregate the pages of usage scans (page.ts), so that a scan of a
 * whole log history neither holds the main thread (other tenants' requests wait behind a parse)
 * nor fills its heap with parsed pages: a page goes in as bytes and comes out as figures. The
 * bytes lie in a SharedArrayBuffer of the pool's, into which the upstream client copies the body
 * as it arrives (`take`, BodyBuffers in src/upstream/exchange.ts); the thread reads it in place, and it
 * is reused for a later page once the thread answered: no copy but the one assembling the body, no
 * fresh memory per page, and no ArrayBuffer transferred (each transfer left a detached buffer
 * counted as external memory until a full GC, which the main thread ran every few pages:
 * docs/benchmarks.md). One pool per gateway: threads start on demand, end after `idleMs` without
 * work (their buffers with them), and all end at `close()` (the gateway's dispose). A thread that
 * dies fails its pages with a coded error and is replaced by the next page.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UpstreamError } from '../upstream/errors.js';
import type { Abortable } from '../upstream/abortable.js';
import type { BodyBuffers } from '../upstream/exchange.js';
import type { RawBody } from '../upstream/http.js';
import { fromPageError, type PageError, type PageFigures, type PageJob, type PageTask } from './page.js';

export interface PagePoolOptions {
  /** threads at most */
  size: number;
  /** a thread without work for this long ends */
  idleMs: number;
  /** a thread's heap limit: past it the thread dies (its page fails), not the process */
  heapMb?: number;
}

/**
 * A core is left to the main thread, which serves every other request: on 2 cores one thread
 * (two were no faster on a shared 2-core machine, the main thread and the upstream's answers
 * busy too, and held ~30 MB more at peak: docs/benchmarks.md), two from 3 cores on. A page is
 * at most 64 MB (the upstream body cap); its fallback parse fits in 512 MB.
 */
export const DEFAULT_PAGE_POOL: PagePoolOptions = { size: Math.max(1, Math.min(2, availableParallelism() - 1)), idleMs: 10_000, heapMb: 512 };

/** Buffers kept for later pages: a few, and none much larger than a usual page (10,000 entries, ~5 MB). */
const KEPT_BUFFER_BYTES = 16 * 1024 * 1024;

/** Whose page it is: pages are taken from the callers in turn, and a page not started when `signal` aborts is dropped. */
export interface PageOwner {
  /** the caller's Credential.id */
  tenant: string;
  signal?: Abortable;
}

interface Job {
  id: number;
  task: PageTask;
  resolve: (figures: PageFigures) => void;
  reject: (error: Error) => void;
  /** removes the abort listener */
  settle(): void;
}

interface Thread {
  worker: Worker;
  /** the page it works on: one at a time, so a slow page or a thread that dies holds only its own */
  job: Job | null;
  idle: NodeJS.Timeout | null;
  /** why the thread died, when it threw (out of memory, a bug) */
  error?: Error;
}

export class PagePool implements BodyBuffers {
  private readonly threads: Thread[] = [];
  /** pages waiting for a thread, per caller; callers are served in turn (the Map's order, rotated) */
  private readonly waiting = new Map<string, Job[]>();
  /** buffers no page is in, for the next pages */
  private buffers: SharedArrayBuffer[] = [];
  /** buffers given by take() and not yet back in run() */
  private readonly lent = new WeakSet<SharedArrayBuffer>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: PagePoolOptions = DEFAULT_PAGE_POOL) {}

  /** The figures of one page, from the next free thread, callers taking turns. */
  run(body: RawBody, job: PageJob, owner: PageOwner): Promise<PageFigures> {
    if (this.closed) return Promise.reject(shuttingDown(job.path));
    if (owner.signal?.aborted) return Promise.reject(deadline(job.path));
    const { promise, resolve, reject } = withResolvers<PageFigures>();
    const queued: Job = { id: this.nextId++, task: { ...job, status: body.status, bytes: this.claim(body.bytes) }, resolve, reject, settle: () => {} };
    const abort = () => {
      const jobs = this.waiting.get(owner.tenant);
      const at = jobs?.indexOf(queued) ?? -1;
      if (at < 0) return; // already in a thread: it finishes
      jobs!.splice(at, 1);
      if (jobs!.length === 0) this.waiting.delete(owner.tenant);
      this.release(queued);
      reject(deadline(job.path));
    };
    owner.signal?.addEventListener('abort', abort, { once: true });
    queued.settle = () => owner.signal?.removeEventListener('abort', abort);
    const jobs = this.waiting.get(owner.tenant);
    if (jobs) jobs.push(queued);
    else this.waiting.set(owner.tenant, [queued]);
    this.dispatch();
    return promise;
  }

  /**
   * A buffer of the pool's for a body of `size` bytes (or a new one, a quarter larger, for pages
   * of slightly different sizes), to come back in run().
   */
  take(size: number): Uint8Array {
    const at = this.buffers.findIndex((buffer) => buffer.byteLength >= size);
    const buffer = at >= 0 ? this.buffers.splice(at, 1)[0] : new SharedArrayBuffer(Math.ceil(size * 1.25));
    this.lent.add(buffer);
    return new Uint8Array(buffer, 0, size);
  }

  /** The page's bytes in a buffer of the pool's: the one take() lent for them, or a copy. */
  private claim(bytes: Uint8Array): Uint8Array {
    if (this.lent.delete(bytes.buffer as SharedArrayBuffer)) return bytes;
    const copy = this.take(bytes.length);
    this.lent.delete(copy.buffer as SharedArrayBuffer);
    copy.set(bytes);
    return copy;
  }

  /** Threads running now (tests, metrics). */
  size(): number {
    return this.threads.length;
  }

  /** Ends every thread; pages still running or waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const jobs of this.waiting.values()) for (const job of jobs) job.settle(), job.reject(shuttingDown(job.task.path));
    this.waiting.clear();
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  /** Gives each free thread (or a new one, up to `size`) the next page, from the caller whose turn it is. */
  private dispatch(): void {
    while (this.waiting.size > 0 && !this.closed) {
      const thread = this.threads.find((t) => t.job === null) ?? (this.threads.length < this.options.size ? this.start() : undefined);
      if (!thread) return;
      const [tenant, jobs] = this.waiting.entries().next().value as [string, Job[]];
      const job = jobs.shift()!;
      // the caller goes to the back of the turns, with what it still has waiting
      this.waiting.delete(tenant);
      if (jobs.length > 0) this.waiting.set(tenant, jobs);
      job.settle();
      if (thread.idle) clearTimeout(thread.idle), (thread.idle = null);
      thread.worker.ref();
      thread.job = job;
      // the bytes are shared with the thread, not copied (a SharedArrayBuffer)
      thread.worker.postMessage({ id: job.id, task: job.task });
    }
  }

  private start(): Thread {
    const thread: Thread = { worker: startWorker(this.options.heapMb), job: null, idle: null };
    this.threads.push(thread);
    thread.worker.on('message', ({ id, figures, error }: { id: number; figures?: PageFigures; error?: PageError }) => {
      const job = thread.job;
      if (!job || job.id !== id) return;
      thread.job = null;
      this.release(job);
      if (error) job.reject(fromPageError(error));
      else job.resolve(figures!);
      if (this.waiting.size > 0) this.dispatch();
      else this.rest(thread);
    });
    // An uncaught error ends the thread: 'exit' follows and fails its page.
    thread.worker.on('error', (error) => (thread.error = error));
    // an answer that cannot be read back: the thread is ended (and its page fails) rather than waited for
    thread.worker.on('messageerror', (error) => ((thread.error = error), void thread.worker.terminate()));
    thread.worker.on('exit', (code) => {
      this.forget(thread);
      if (thread.idle) clearTimeout(thread.idle);
      const job = thread.job;
      thread.job = null;
      if (job) {
        // the thread is gone: nothing reads the page's buffer any more
        this.release(job);
        const path = job.task.path;
        if (this.closed) job.reject(shuttingDown(path));
        else job.reject(new UpstreamError('UPSTREAM_BAD_RESPONSE', `The usage scan could not read a page of ${path}: its worker thread stopped (${thread.error?.message ?? `exit code ${code}`})`, { path }));
      }
      // the pages waiting go to a new thread
      this.dispatch();
    });
    return thread;
  }

  /**
   * The buffer of a page no thread reads any more, kept for a later page: as many as pages can be
   * in the threads and the queue at once, none of an unusual size; idle threads keep none.
   */
  private release(job: Job): void {
    const buffer = job.task.bytes.buffer as SharedArrayBuffer;
    if (this.buffers.length < this.options.size * 4 && buffer.byteLength <= KEPT_BUFFER_BYTES) this.buffers.push(buffer);
  }

  /** An idle thread keeps no process alive and ends after idleMs, and with the last one the buffers go. */
  private rest(thread: Thread): void {
    thread.worker.unref();
    thread.idle = setTimeout(() => {
      // out of the pool before it ends: no page is sent to a thread on its way out
      this.forget(thread);
      void thread.worker.terminate();
      if (this.threads.every((t) => t.job === null)) this.buffers = [];
    }, this.options.idleMs).unref();
  }

  private forget(thread: Thread): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
  }
}

const shuttingDown = (path: string) => new UpstreamError('UPSTREAM_UNAVAILABLE', 'The gateway is shutting down', { path });
/** as the upstream client words a call its deadline cut (src/upstream/http.ts) */
const deadline = (path: string) => new UpstreamError('UPSTREAM_UNAVAILABLE', `The upstream is unavailable on ${path}: request aborted (deadline)`, { path });

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

/** Promise.withResolvers, which Node 20 lacks. */
function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
