// @ts-check
/** The dashboard page: the range form, the summary, the chart, the tables and the key dialog. */
import { RequestError, accessKey, download, loadConfig, run } from './api.js';
import { COLOURS, drawDailySpend } from './chart.js';
import { addDays, checkZone, daysBetween, rangeOf, today } from './dates.js';
import { $, count, figure, fillRows, say, usd } from './dom.js';
import { showTasks } from './tasks.js';

/** @typedef {import('./api.js').Config} Config */
/** @typedef {import('./gql/graphql.js').DashboardUsageQuery} Usage */
/** @typedef {import('./gql/graphql.js').DashboardApiKeysQuery['apiKeys']} ApiKeys */

/** Models drawn apart in the chart; the rest are summed as "Other models". */
const CHART_MODELS = COLOURS.length - 1;
const TOP_ROWS = 10;

/** @type {Config} */
let config;
/** The API keys last listed, by id, for the dialog's text. @type {Map<string, NonNullable<ApiKeys>[number]>} */
const keysById = new Map();

/** The range the form asks for: whole days in the chosen zone. */
function chosenRange() {
  const zone = checkZone(/** @type {HTMLInputElement} */ ($('zone')).value.trim());
  if (!zone) throw new Error(`"${/** @type {HTMLInputElement} */ ($('zone')).value}" is not an IANA time zone (e.g. Europe/Paris, Asia/Ho_Chi_Minh, UTC)`);
  const preset = /** @type {HTMLSelectElement} */ ($('preset')).value;
  const last = preset === 'custom' ? /** @type {HTMLInputElement} */ ($('to')).value : today(zone);
  const first = preset === 'custom' ? /** @type {HTMLInputElement} */ ($('from')).value : addDays(last, 1 - Number(preset));
  if (!first || !last) throw new Error('A custom range needs both a From and a To date');
  if (first > last) throw new Error(`From (${first}) is after To (${last})`);
  if (daysBetween(first, last).length > 366) throw new Error('A range is at most 366 days');
  return { first, last, zone, ...rangeOf(first, last, zone) };
}

/** @param {Usage['usage']} usage @param {string[]} days */
function dailySpend(usage, days) {
  const models = sumBy(usage?.groups ?? [], modelOf).map(([model]) => model);
  const shown = models.length > CHART_MODELS + 1 ? models.slice(0, CHART_MODELS) : models;
  const series = shown.map((label) => ({ label, values: days.map(() => 0) }));
  if (shown.length < models.length) series.push({ label: 'Other models', values: days.map(() => 0) });
  const dayIndex = new Map(days.map((day, i) => [day, i]));
  for (const g of usage?.groups ?? []) {
    const d = dayIndex.get(g.day ?? '');
    if (d === undefined) continue;
    const s = shown.indexOf(modelOf(g));
    series[s === -1 ? series.length - 1 : s].values[d] += g.quotaUsd;
  }
  return { days, series };
}

/** @param {NonNullable<Usage['usage']>['groups'][number]} group */
const modelOf = (group) => group.model ?? '(none)';

/**
 * @param {NonNullable<Usage['usage']>['groups']} groups
 * @param {(g: NonNullable<Usage['usage']>['groups'][number]) => string} keyOf
 */
function sumBy(groups, keyOf) {
  /** @type {Map<string, { requests: number, tokens: number, usd: number }>} */
  const sums = new Map();
  for (const g of groups) {
    const sum = sums.get(keyOf(g)) ?? { requests: 0, tokens: 0, usd: 0 };
    sum.requests += g.requests;
    sum.tokens += g.totalTokens;
    sum.usd += g.quotaUsd;
    sums.set(keyOf(g), sum);
  }
  return [...sums].sort((a, b) => b[1].usd - a[1].usd);
}

/** The CSV exports of the gateway (/export/*.csv) for the range shown. @param {ReturnType<typeof chosenRange>} range */
function setDownloads(range) {
  const span = `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;
  const links = [
    ['csv-usage', `/export/usage.csv?${span}&groupBy=DAY,MODEL,API_KEY&timeZone=${encodeURIComponent(range.zone)}`, `usage-${range.first}-${range.last}.csv`],
    ['csv-logs', `/export/logs.csv?${span}&type=CONSUME`, `requests-${range.first}-${range.last}.csv`],
  ];
  for (const [id, href, filename] of links) Object.assign($(id), { href, download: filename });
}

/** @param {Event} event */
function downloadClicked(event) {
  const link = /** @type {HTMLElement} */ (event.target).closest('a[download]');
  if (!(link instanceof HTMLAnchorElement)) return;
  event.preventDefault();
  say(`Preparing ${link.download}…`);
  download(config, link.getAttribute('href') ?? '', link.download).then(() => say(`Downloaded ${link.download}`), failed);
}

/** @param {ReturnType<typeof chosenRange>} range */
async function showUsage(range) {
  const data = await run(config, 'DashboardUsage', { from: range.from, to: range.to, timeZone: range.zone });
  const usage = data.usage;
  const totals = usage?.totals ?? { requests: 0, totalTokens: 0, quotaUsd: 0 };
  $('balance').replaceChildren(figure(data.me ? usd.format(data.me.quotaUsd) : '–', data.me?.quotaUsd ?? NaN));
  $('spend').replaceChildren(figure(usd.format(totals.quotaUsd), totals.quotaUsd));
  $('requests').replaceChildren(figure(count.format(totals.requests), totals.requests));
  $('tokens').replaceChildren(figure(count.format(totals.totalTokens), totals.totalTokens));
  $('range-shown').textContent = `${range.first} to ${range.last} (${range.zone})`;
  setDownloads(range);

  const days = daysBetween(range.first, range.last);
  const spend = dailySpend(usage, days);
  const chart = $('chart');
  // What was asked and the sum of what was drawn, for readers of the page's data (and the tests).
  Object.assign(chart.dataset, { from: range.from, to: range.to, timeZone: range.zone });
  chart.dataset.totalUsd = String(spend.series.reduce((sum, s) => sum + s.values.reduce((a, v) => a + v, 0), 0));
  drawDailySpend($('chart-plot'), spend);
  fillRows(/** @type {HTMLTableSectionElement} */ ($('days-body')), days.map((day, d) => [day, usd.format(spend.series.reduce((sum, s) => sum + s.values[d], 0))]));

  const groups = usage?.groups ?? [];
  const share = (/** @type {number} */ value) => (totals.quotaUsd ? `${((100 * value) / totals.quotaUsd).toFixed(1)}%` : '–');
  fillRows(/** @type {HTMLTableSectionElement} */ ($('models-body')), sumBy(groups, modelOf).slice(0, TOP_ROWS).map(([model, s]) => [model, count.format(s.requests), count.format(s.tokens), usd.format(s.usd), share(s.usd)]));
  const byKey = sumBy(groups, (g) => g.tokenName ?? '(none)');
  fillRows(/** @type {HTMLTableSectionElement} */ ($('keys-top-body')), byKey.slice(0, TOP_ROWS).map(([key, s]) => [key, count.format(s.requests), count.format(s.tokens), usd.format(s.usd), share(s.usd)]));
  return new Map(byKey.map(([key, s]) => [key, s.usd]));
}

/** @param {Map<string, number>} spendByKey */
async function showApiKeys(spendByKey) {
  const { apiKeys } = await run(config, 'DashboardApiKeys', {});
  keysById.clear();
  const rows = (apiKeys ?? []).map((key) => {
    keysById.set(key.id, key);
    const actions = document.createElement('span');
    actions.className = 'actions';
    if (!config.readOnly) {
      for (const [action, text] of [['quota', 'Set quota…'], ['delete', 'Delete…']]) {
        const button = Object.assign(document.createElement('button'), { type: 'button', textContent: text });
        button.dataset.action = action;
        button.dataset.keyId = key.id;
        button.setAttribute('aria-label', `${text.replace('…', '')} of ${key.name}`);
        actions.append(button);
      }
    }
    const quota = key.unlimitedQuota ? 'unlimited' : usd.format(key.remainQuotaUsd);
    return [key.name, key.key ?? '', key.status, figure(quota, key.remainQuotaUsd), usd.format(key.usedQuotaUsd), usd.format(spendByKey.get(key.name) ?? 0), actions];
  });
  fillRows(/** @type {HTMLTableSectionElement} */ ($('keys-body')), rows, 'No API keys');
  for (const [i, key] of (apiKeys ?? []).entries()) $('keys-body').children[i]?.setAttribute('data-key-id', key.id);
}

async function refresh() {
  let range;
  try {
    range = chosenRange();
  } catch (error) {
    return say(/** @type {Error} */ (error).message, true);
  }
  say('Loading…');
  try {
    const [spendByKey] = await Promise.all([showUsage(range), showTasks(config, range)]);
    await showApiKeys(spendByKey);
    say(`Showing ${range.first} to ${range.last} in ${range.zone}`);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    failed(error);
  }
}

/** @param {unknown} error */
function failed(error) {
  say(/** @type {Error} */ (error).message, true);
  if (error instanceof RequestError && error.codes.includes('UNAUTHENTICATED') && config.accessKeyRequired) askForKey();
}

function askForKey() {
  accessKey.forget();
  $('key-form').hidden = false;
  $('access-key').focus();
}

/** The confirmation dialog of a key write; nothing is sent unless it is confirmed. */
function openKeyDialog(/** @type {'quota' | 'delete'} */ action, /** @type {string} */ id) {
  const key = keysById.get(id);
  if (!key) return;
  const dialog = /** @type {HTMLDialogElement} */ ($('key-dialog'));
  const input = /** @type {HTMLInputElement} */ ($('quota-usd'));
  dialog.dataset.action = action;
  dialog.dataset.keyId = id;
  dialog.returnValue = '';
  $('key-dialog-title').textContent = action === 'quota' ? `Set the quota of ${key.name}` : `Delete ${key.name}?`;
  $('key-dialog-text').textContent =
    action === 'quota'
      ? key.unlimitedQuota
        ? 'This key is unlimited: the quota set here counts only once it is limited. The remaining quota, in USD:'
        : `Now ${usd.format(key.remainQuotaUsd)}. The new remaining quota, in USD:`
      : 'The key stops working at once. Its past usage stays in the logs. This cannot be undone.';
  $('quota-field').hidden = action !== 'quota';
  input.required = action === 'quota';
  input.value = action === 'quota' && !key.unlimitedQuota ? String(key.remainQuotaUsd) : '';
  $('key-dialog-confirm').textContent = action === 'quota' ? 'Set quota' : 'Delete key';
  dialog.showModal();
}

async function keyDialogClosed() {
  const dialog = /** @type {HTMLDialogElement} */ ($('key-dialog'));
  if (dialog.returnValue !== 'confirm') return;
  const id = dialog.dataset.keyId ?? '';
  try {
    if (dialog.dataset.action === 'quota') {
      const value = Number(/** @type {HTMLInputElement} */ ($('quota-usd')).value);
      if (!Number.isFinite(value) || value < 0) return say('The quota must be a number of USD, 0 or more', true);
      const { updateApiKeyQuota } = await run(config, 'SetApiKeyQuota', { id, usd: value });
      say(`Quota of ${updateApiKeyQuota.apiKey?.name ?? id} set to ${usd.format(updateApiKeyQuota.apiKey?.remainQuotaUsd ?? value)}`);
    } else {
      await run(config, 'DeleteApiKey', { id });
      say(`Deleted ${keysById.get(id)?.name ?? id}`);
    }
  } catch (error) {
    return failed(error);
  }
  await refresh();
  // The table was redrawn: keyboard users go on from the same button (or the table, if the key is gone).
  const again = document.querySelector(`button[data-action="${dialog.dataset.action}"][data-key-id="${CSS.escape(id)}"]`);
  if (again instanceof HTMLElement) again.focus();
  else $('keys-title').focus();
}

function setUpForm() {
  const zone = /** @type {HTMLInputElement} */ ($('zone'));
  zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  $('zones').replaceChildren(...zones.map((z) => Object.assign(document.createElement('option'), { value: z })));
  const preset = /** @type {HTMLSelectElement} */ ($('preset'));
  const custom = () => {
    const on = preset.value === 'custom';
    for (const id of ['from', 'to']) /** @type {HTMLInputElement} */ ($(id)).disabled = !on;
    $('custom-dates').hidden = !on;
  };
  preset.addEventListener('change', custom);
  custom();
  $('range').addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
}

async function start() {
  config = await loadConfig();
  setUpForm();
  $('keys-body').addEventListener('click', (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('button[data-action]');
    if (button instanceof HTMLElement) openKeyDialog(/** @type {'quota' | 'delete'} */ (button.dataset.action), button.dataset.keyId ?? '');
  });
  // Enter confirms (the only submit button); Cancel and Escape close without a returnValue.
  $('key-dialog').addEventListener('close', () => void keyDialogClosed());
  $('key-dialog-cancel').addEventListener('click', () => /** @type {HTMLDialogElement} */ ($('key-dialog')).close());
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    accessKey.set(/** @type {HTMLInputElement} */ ($('access-key')).value);
    $('key-form').hidden = true;
    void refresh();
  });
  document.querySelector('.downloads')?.addEventListener('click', downloadClicked);
  $('forget-key').hidden = !config.accessKeyRequired;
  $('forget-key').addEventListener('click', askForKey);
  if (config.accessKeyRequired && !accessKey.get()) return askForKey();
  await refresh();
}

start().catch((error) => say(`The dashboard could not start: ${error.message}`, true));
