// @ts-check
/** The recent tasks table of the dashboard, with live progress of the unfinished ones (taskUpdated). */
import { run, subscribe } from './api.js';
import { $, fillRows, usd } from './dom.js';

/** @typedef {import('./api.js').Config} Config */
/** @typedef {NonNullable<import('./gql/graphql.js').DashboardTasksQuery['tasks']>[number]} Task */

const SHOWN = 20;
/** Each followed task holds one of the browser's six HTTP/1.1 connections to this origin: leave room for the rest. */
const FOLLOWED = 3;
const FINISHED = ['SUCCESS', 'FAILURE'];
/** The columns updated live (see the table head in index.html). */
const STATUS_CELL = 3;
const PROGRESS_CELL = 4;

/** Ends the streams of the tasks shown before. @type {AbortController | null} */
let following = null;

/** The newest tasks submitted in the range; the newest unfinished ones then follow live. @param {Config} config @param {{ from: string, to: string }} range */
export async function showTasks(config, range) {
  following?.abort();
  const { tasks } = await run(config, 'DashboardTasks', { from: range.from, to: range.to });
  const newest = [...(tasks ?? [])].sort((a, b) => (b.submittedAt ?? '').localeCompare(a.submittedAt ?? '')).slice(0, SHOWN);
  fillRows(/** @type {HTMLTableSectionElement} */ ($('tasks-body')), newest.map((task) => [task.taskId, task.platformName ?? task.platform, task.action, task.status, progressOf(task.progress), task.submittedAt?.replace('T', ' ').slice(0, 19) ?? '', usd.format(task.quotaUsd)]));
  for (const [i, task] of newest.entries()) $('tasks-body').children[i]?.setAttribute('data-task-id', task.id);
  following = new AbortController();
  for (const task of newest.filter((t) => !FINISHED.includes(t.status)).slice(0, FOLLOWED)) void follow(config, task.id, following.signal);
}

/** @param {Config} config @param {string} id @param {AbortSignal} signal */
async function follow(config, id, signal) {
  const row = () => $('tasks-body').querySelector(`tr[data-task-id="${CSS.escape(id)}"]`);
  row()?.setAttribute('data-live', 'true');
  try {
    for await (const { taskUpdated } of subscribe(config, 'WatchTask', { id }, signal)) {
      const cells = row()?.children;
      if (!taskUpdated || !cells) continue;
      cells[STATUS_CELL].textContent = taskUpdated.status;
      cells[PROGRESS_CELL].replaceChildren(progressOf(taskUpdated.progress));
    }
  } catch (error) {
    // The table stays as last seen; the reason is on the row for whoever looks.
    if (!signal.aborted) row()?.setAttribute('title', `Live progress stopped: ${/** @type {Error} */ (error).message}`);
  } finally {
    row()?.removeAttribute('data-live');
  }
}

/** @param {number | null | undefined} value */
function progressOf(value) {
  const bar = Object.assign(document.createElement('progress'), { max: 100, value: value ?? 0, textContent: `${value ?? 0}%` });
  const span = document.createElement('span');
  span.className = 'progress';
  span.append(bar, ` ${Math.round(value ?? 0)}%`);
  return span;
}
