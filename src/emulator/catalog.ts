/**
 * Static catalogue the fake data is drawn from: models with new-api style pricing ratios,
 * API key names, task platforms. Ratios follow new-api conventions (ratio 1 = $2 per 1M tokens).
 */

export interface ModelSpec {
  name: string;
  /** billing group (YEScale publishes these group ratios) */
  group: string;
  groupRatio: number;
  /** -1 = billed by tokens; otherwise USD per request */
  price: number;
  modelRatio: number;
  completionRatio: number;
  /** 0 = no prompt caching */
  cacheRatio: number;
  /** typical prompt / completion size */
  prompt: number;
  completion: number;
  /** relative popularity for the demo user */
  weight: number;
  /** upstream channel id shown in logs */
  channel: number;
  /** async (task) model: can be refunded when the task fails */
  async?: boolean;
  streams: boolean;
}

const chat = (
  name: string, group: string, groupRatio: number, modelRatio: number, completionRatio: number,
  cacheRatio: number, prompt: number, completion: number, weight: number, channel: number,
): ModelSpec => ({ name, group, groupRatio, price: -1, modelRatio, completionRatio, cacheRatio, prompt, completion, weight, channel, streams: true });

const priced = (name: string, group: string, groupRatio: number, price: number, weight: number, channel: number, async = false): ModelSpec =>
  ({ name, group, groupRatio, price, modelRatio: 0, completionRatio: 1, cacheRatio: 0, prompt: 0, completion: 0, weight, channel, async, streams: false });

export const MODELS: ModelSpec[] = [
  chat('gpt-4o', 'openai', 1, 1.25, 4, 0.5, 2400, 450, 14, 3),
  chat('gpt-4o-mini', 'openai', 1, 0.075, 4, 0.5, 1800, 380, 18, 3),
  chat('gpt-4.1', 'openai', 1, 1, 4, 0.25, 5200, 700, 8, 4),
  chat('gpt-4.1-mini', 'openai', 1, 0.2, 4, 0.25, 3500, 500, 7, 4),
  chat('o3-mini', 'openaivip', 1.5, 0.55, 4, 0.5, 1500, 2200, 3, 5),
  chat('o4-mini', 'openaivip', 1.5, 0.55, 4, 0.25, 1700, 2000, 2, 5),
  chat('claude-3-7-sonnet-20250219', 'claude', 1.75, 1.5, 5, 0.1, 8000, 900, 6, 11),
  chat('claude-sonnet-4-20250514', 'claude', 1.75, 1.5, 5, 0.1, 12000, 1100, 9, 11),
  chat('claude-3-5-haiku-20241022', 'claude', 1.75, 0.4, 5, 0.1, 3000, 400, 3, 12),
  chat('gemini-2.5-pro', 'gemini', 1, 0.625, 8, 0.25, 6000, 1200, 5, 21),
  chat('gemini-2.5-flash', 'gemini', 1, 0.15, 8.33, 0.25, 4000, 600, 7, 21),
  chat('deepseek-chat', 'deepseek', 1, 0.135, 4, 0.1, 2200, 500, 6, 31),
  chat('deepseek-reasoner', 'deepseek', 1, 0.275, 4, 0.1, 2000, 1800, 3, 31),
  // underscore in the name: exercises LIKE escaping of `_`
  chat('gpt-4o_mini-legacy', 'openai', 1, 0.075, 4, 0, 900, 200, 1.5, 6),
  { ...chat('text-embedding-3-small', 'openai', 1, 0.01, 1, 0, 700, 0, 4, 7), streams: false },
  { ...chat('gpt-4o-mini-tts', 'openai', 1, 0.3, 8, 0, 300, 0, 1, 7), streams: false },
  priced('gpt-image-1', 'drawing', 1.2, 0.04, 2, 41),
  priced('dall-e-3', 'drawing', 1.2, 0.04, 1, 41),
  priced('suno_music', 'music', 1, 0.1, 1.5, 51, true),
  priced('kling-video', 'drawing', 1.2, 0.35, 1, 52, true),
  // Weight 0: never generated, only written by appendModelLogs. `mj_imagine` has an underscore and
  // `mjXimagine` is what a raw (YEScale-era) LIKE 'mj_imagine' also matches (log-query.ts).
  priced('mj_imagine', 'drawing', 1.2, 0.05, 0, 61),
  priced('mjXimagine', 'drawing', 1.2, 0.05, 0, 61),
];

export const MODEL_INDEX = new Map(MODELS.map((m, i) => [m.name, i]));

/** Marker in the Uint8Array columns: log has no model / no API key (top-ups, admin actions). */
export const NONE = 255;

export const DEMO_KEY_NAMES = [
  'default', 'prod-backend', 'staging', 'claude-code', 'cursor-ide', 'n8n-automation', 'langchain-dev',
  'chatbot-web', 'telegram-bot', 'zalo-bot', 'image-gen', 'suno-music', 'video-pipeline', 'data-labeling',
  'eval-harness', 'mobile-app', 'customer-support', 'translation', 'rag-indexer', 'embeddings',
  'intern-sandbox', 'old-prototype', 'hackathon-2025', 'ci-tests', 'notebook', 'vscode-copilot',
  'discord-bot', 'batch-jobs', 'partner-acme', 'backup-key',
];

/** Keys whose model list is restricted (new-api `model_limits`). */
export const KEY_MODEL_LIMITS: Record<string, string[]> = {
  'claude-code': ['claude-sonnet-4-20250514', 'claude-3-7-sonnet-20250219', 'claude-3-5-haiku-20241022'],
  'image-gen': ['gpt-image-1', 'dall-e-3'],
  'suno-music': ['suno_music'],
  'video-pipeline': ['kling-video'],
  embeddings: ['text-embedding-3-small'],
  'rag-indexer': ['text-embedding-3-small', 'gpt-4o-mini'],
  'translation': ['gpt-4o-mini', 'gemini-2.5-flash', 'gpt-4o_mini-legacy'],
};

/** Billing groups of keys, as YEScale names them. */
export const KEY_GROUPS: Record<string, string> = {
  'claude-code': 'claude',
  'image-gen': 'drawing',
  'suno-music': 'music',
  'eval-harness': 'openaivip',
};

export interface TaskKind {
  platform: string;
  actions: string[];
  /** USD per task */
  price: number;
  weight: number;
}

export const TASK_KINDS: TaskKind[] = [
  { platform: 'suno', actions: ['MUSIC', 'MUSIC', 'LYRICS'], price: 0.1, weight: 4 },
  { platform: '50', actions: ['generate', 'textGenerate', 'firstTailGenerate'], price: 0.35, weight: 3 }, // Kling
  { platform: '52', actions: ['generate', 'textGenerate'], price: 0.25, weight: 2 }, // Vidu
  { platform: '55', actions: ['textGenerate', 'generate'], price: 1.0, weight: 1 }, // Sora
];

export const TASK_PROMPTS = [
  'lofi hip hop beat for studying, rainy night',
  'a corgi surfing a wave at sunset, cinematic',
  'vietnamese ballad about the Mekong delta',
  'drone shot over Ha Long Bay at dawn',
  'upbeat synthwave intro, 80s style',
  'product shot of a ceramic coffee cup rotating',
  'children song about counting stars',
  'timelapse of Saigon traffic at night',
];

export const FAIL_REASONS = [
  'task failed: content moderation rejected the prompt',
  'upstream timeout after 600s',
  'insufficient upstream quota, please retry later',
  'invalid image: first frame could not be decoded',
];
