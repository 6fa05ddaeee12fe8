/**
 * Async tasks (Suno music, Kling/Vidu/Sora video) of one user, newest first.
 * Few enough to materialise. The newest ones are still running so every status shows up.
 */
import type { WireTask } from '../upstream/wire.js';
import type { Account } from './accounts.js';
import { FAIL_REASONS, TASK_KINDS, TASK_PROMPTS } from './catalog.js';
import { alnum, cumulative, hash32, hex, int, pickCumulative, rng, type Rng } from './random.js';

const DAY = 86_400;
const KIND_CUM = cumulative(TASK_KINDS.map((k) => k.weight));
/** statuses of the newest tasks of a busy user (rank 0 = newest); older ones finished */
const RECENT = ['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'IN_PROGRESS'];

export function buildTasks(a: Account, seed: number, now: number, firstId: number): WireTask[] {
  const r = rng(hash32(seed, a.salt, 0x7a5c, now));
  const busy = a.taskCount >= 10;
  // submit times: the first few minutes-old (still running), the rest spread over 90 days
  const times = Array.from({ length: a.taskCount }, (_, k) =>
    busy && k < RECENT.length ? now - k * 240 - int(r, 0, 200) : now - int(r, 3600, 90 * DAY),
  ).sort((x, y) => y - x);
  return times.map((submit, k) => {
    const status = busy && k < RECENT.length ? RECENT[k] : busy && k === 7 ? 'UNKNOWN' : r() < 0.8 ? 'SUCCESS' : 'FAILURE';
    const kind = TASK_KINDS[pickCumulative(KIND_CUM, r())];
    const action = kind.actions[int(r, 0, kind.actions.length - 1)];
    const started = status === 'NOT_START' || status === 'SUBMITTED' || status === 'QUEUED' ? 0 : submit + int(r, 1, 30);
    const finished = status === 'SUCCESS' || status === 'FAILURE' ? started + int(r, 20, kind.platform === 'suno' ? 180 : 900) : 0;
    const progress = status === 'IN_PROGRESS' ? `${int(r, 1, 9) * 10}%` : finished ? '100%' : '0%';
    const price = priceOf(kind.price, action);
    const taskId = taskIdFor(kind.platform, r);
    const prompt = TASK_PROMPTS[int(r, 0, TASK_PROMPTS.length - 1)];
    return {
      id: firstId + a.taskCount - 1 - k, // row ids grow with time
      created_at: submit,
      updated_at: finished || started || submit,
      task_id: taskId,
      platform: kind.platform,
      user_id: a.userId,
      channel_id: 0, // blanked in the user view
      quota: Math.round(price * 500_000),
      action,
      status,
      fail_reason: status === 'FAILURE' ? FAIL_REASONS[int(r, 0, FAIL_REASONS.length - 1)] : '',
      submit_time: submit,
      start_time: started,
      finish_time: finished,
      progress,
      properties: { input: prompt },
      data: taskData(kind.platform, action, status, taskId, prompt, r),
    };
  });
}

/**
 * A task submitted at `at` (emulator clock), as new-api inserts it: NOT_START, progress "0%", no
 * start or finish yet; task-flow.ts moves it on.
 */
export function submittedTask(a: Account, r: Rng, id: number, at: number): WireTask {
  const kind = TASK_KINDS[pickCumulative(KIND_CUM, r())];
  const action = kind.actions[int(r, 0, kind.actions.length - 1)];
  const price = priceOf(kind.price, action);
  const taskId = taskIdFor(kind.platform, r);
  const prompt = TASK_PROMPTS[int(r, 0, TASK_PROMPTS.length - 1)];
  return {
    id, created_at: at, updated_at: at, task_id: taskId, platform: kind.platform, user_id: a.userId, channel_id: 0,
    quota: Math.round(price * 500_000), action, status: 'NOT_START', fail_reason: '',
    submit_time: at, start_time: 0, finish_time: 0, progress: '0%',
    properties: { input: prompt },
    data: taskData(kind.platform, action, 'NOT_START', taskId, prompt, r),
  };
}

/** USD: lyrics cost a flat 0.02, a first-and-last-frame video twice the platform's price. */
function priceOf(platformPrice: number, action: string): number {
  return action === 'LYRICS' ? 0.02 : platformPrice * (action === 'firstTailGenerate' ? 2 : 1);
}

function taskIdFor(platform: string, r: Rng): string {
  if (platform === 'suno') return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
  if (platform === '55') return `video_${hex(r, 32)}`;
  let digits = String(int(r, 1, 9));
  for (let i = 0; i < 17; i++) digits += String(int(r, 0, 9));
  return digits;
}

/** A small payload in the shape each platform returns for a task in `status`. */
export function taskData(platform: string, action: string, status: string, taskId: string, prompt: string, r: Rng): unknown {
  const done = status === 'SUCCESS';
  if (platform === 'suno') {
    const state = done ? 'complete' : status === 'FAILURE' ? 'error' : 'queued';
    if (action === 'LYRICS') return { id: taskId, status: state, title: prompt.slice(0, 24), text: done ? `[Verse]\n${prompt}\n[Chorus]\n...` : '' };
    return { id: taskId, status: state, title: prompt.slice(0, 24), audio_url: done ? `https://cdn1.suno.ai/${taskId}.mp3` : '', duration: done ? int(r, 90, 240) : 0 };
  }
  const taskStatus = done ? 'succeed' : status === 'FAILURE' ? 'failed' : status === 'IN_PROGRESS' ? 'processing' : 'submitted';
  return {
    task_id: taskId,
    task_status: taskStatus,
    task_result: done ? { videos: [{ id: alnum(r, 12), url: `https://cdn.example.com/video/${taskId}.mp4`, duration: '5' }] } : {},
  };
}
