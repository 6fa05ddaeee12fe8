/**
 * The entry of a usage worker thread (page-pool.ts starts it): pages in, figures out. The page's
 * bytes are shared with the pool, which reuses them once the answer is sent: they are not read
 * after it. A task that throws answers with the error; nothing is kept between tasks.
 */
import { parentPort } from 'node:worker_threads';
import { aggregatePage, toPageError, type PageTask } from './page.js';

parentPort!.on('message', ({ id, task }: { id: number; task: PageTask }) => {
  try {
    parentPort!.postMessage({ id, figures: aggregatePage(task) });
  } catch (error) {
    parentPort!.postMessage({ id, error: toPageError(error) });
  }
});
