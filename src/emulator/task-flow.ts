/**
 * How a task in flight moves on the emulator clock, as new-api's task poller records it:
 * NOT_START → SUBMITTED → QUEUED → IN_PROGRESS with rising progress ("10%" … "90%") →
 * SUCCESS or FAILURE, both with progress "100%" and a finish_time. The times and the outcome of
 * every step are fixed by the seed and the task's row id.
 */
import type { WireTask } from '../upstream/wire.js';
import { FAIL_REASONS } from './catalog.js';
import { hash32, int, rng } from './random.js';
import { taskData } from './tasks.js';

export interface TaskStep {
  at: number;
  task: WireTask;
  status: string;
  progress: string;
}

const FLOW = ['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS'];

export function inFlight(task: WireTask): boolean {
  return FLOW.includes(task.status);
}

/**
 * The steps of `task` from `from` on; [] when it is not in flight. A `fast` task moves on within
 * seconds and succeeds within a minute: the demo shows one subscription complete.
 */
export function planTask(task: WireTask, seed: number, salt: number, from: number, fast: boolean): TaskStep[] {
  const stage = FLOW.indexOf(task.status);
  if (stage < 0) return [];
  const r = rng(hash32(seed, salt, 0x7105, task.id));
  const steps: TaskStep[] = [];
  let t = from;
  for (let k = stage + 1; k < FLOW.length; k++) {
    t += fast ? int(r, 2, 5) : int(r, 5, 60);
    steps.push({ at: t, task, status: FLOW[k], progress: FLOW[k] === 'IN_PROGRESS' ? '10%' : '0%' });
  }
  const running = fast ? 40 + int(r, 0, 10) - (t - from) : task.platform === 'suno' ? int(r, 30, 180) : int(r, 60, 900);
  const progress = stage === FLOW.length - 1 ? Number.parseInt(task.progress, 10) || 10 : 10;
  // one step per 10 % still to go before 90 %, spread evenly over the running time
  const rises = Math.max(0, Math.floor((90 - progress) / 10));
  for (let i = 1; i <= rises; i++) {
    steps.push({ at: t + Math.floor((running * i) / (rises + 1)), task, status: 'IN_PROGRESS', progress: `${Math.floor(progress / 10) * 10 + i * 10}%` });
  }
  const failed = !fast && r() < 0.2;
  steps.push({ at: t + running, task, status: failed ? 'FAILURE' : 'SUCCESS', progress: '100%' });
  return steps;
}

/**
 * Applies a step to its task as new-api's poller writes it: status, progress, start_time when work
 * starts, finish_time, fail_reason and the platform's final payload at the end. Returns true when
 * the task just failed (new-api then refunds its quota).
 */
export function applyStep(step: TaskStep, seed: number): boolean {
  const { task } = step;
  task.status = step.status;
  task.progress = step.progress;
  task.updated_at = step.at;
  if (step.status === 'IN_PROGRESS' && !task.start_time) task.start_time = step.at;
  const done = step.status === 'SUCCESS' || step.status === 'FAILURE';
  const r = rng(hash32(seed, task.id, 0xf1a1));
  if (done) {
    if (!task.start_time) task.start_time = step.at;
    task.finish_time = step.at;
    if (step.status === 'FAILURE') task.fail_reason = FAIL_REASONS[int(r, 0, FAIL_REASONS.length - 1)];
  }
  const prompt = String((task.properties as { input?: unknown } | undefined)?.input ?? '');
  task.data = taskData(task.platform, task.action, task.status, task.task_id, prompt, r);
  return step.status === 'FAILURE';
}
