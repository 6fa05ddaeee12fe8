// @ts-check
/** The recent tasks table of the dashboard. */
import { run } from './api.js';
import { $, fillRows, usd } from './dom.js';

/** @typedef {import('./api.js').Config} Config */
/** @typedef {NonNullable<import('./gql/graphql.js').DashboardTasksQuery['tasks']>[number]} Task */

/** The newest tasks submitted in the range. @param {Config} config @param {{ from: string, to: string }} range */
export async function showTasks(config, range) {
  const { tasks } = await run(config, 'DashboardTasks', { from: range.from, to: range.to });
  const newest = [...(tasks ?? [])].sort((a, b) => (b.submittedAt ?? '').localeCompare(a.submittedAt ?? '')).slice(0, 20);
  fillRows(/** @type {HTMLTableSectionElement} */ ($('tasks-body')), newest.map((task) => [task.taskId, task.platformName ?? task.platform, task.action, task.status, progressOf(task.progress), task.submittedAt?.replace('T', ' ').slice(0, 19) ?? '', usd.format(task.quotaUsd)]));
  for (const [i, task] of newest.entries()) $('tasks-body').children[i]?.setAttribute('data-task-id', task.id);
}

/** @param {number | null | undefined} value */
function progressOf(value) {
  const bar = Object.assign(document.createElement('progress'), { max: 100, value: value ?? 0, textContent: `${value ?? 0}%` });
  const span = document.createElement('span');
  span.className = 'progress';
  span.append(bar, ` ${Math.round(value ?? 0)}%`);
  return span;
}
