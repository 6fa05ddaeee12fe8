/**
 * The entry of a usage worker thread (page-pool.ts starts it): pages in, figures out, and the
 * page's buffer back to the pool. A task that throws answers with the error; nothing is kept
 * between tasks.
 */
import { parentPort } from 'node:worker_threads';
import { aggregatePage, toPageError, type PageTask } from './page.js';

parentPort!.on('message', ({ id, task }: { id: number; task: PageTask }) => {
  const buffer = task.bytes.buffer as ArrayBuffer;
  try {
    parentPort!.postMessage({ id, figures: aggregatePage(task), buffer }, [buffer]);
  } catch (error) {
    parentPort!.postMessage({ id, error: toPageError(error), buffer }, [buffer]);
  }
});
