// @ts-check
/** Spend per day stacked by model, drawn by uPlot (served by the gateway at /dashboard/uplot.js). */

/** @type {typeof import('uplot')} */
const UPlot = /** @type {any} */ (globalThis).uPlot;

/** Okabe–Ito: told apart by colour-blind readers too; grey is "other models". */
export const COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#7f7f7f'];

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 4 });

/**
 * @typedef {{ days: string[], series: { label: string, values: number[] }[] }} DailySpend
 * `series[i].values[d]`: the spend of series i on days[d], in USD.
 */

/** @type {import('uplot') | null} */
let plot = null;
/** @type {ResizeObserver | null} */
let resizer = null;

/**
 * Draw (or redraw) into `target`. uPlot has no stacked mode: each series is drawn as the running
 * sum of itself and those below it, topmost first, so each bar's visible band is its own value;
 * the legend shows the value itself.
 * @param {HTMLElement} target @param {DailySpend} spend
 */
export function drawDailySpend(target, spend) {
  plot?.destroy();
  resizer?.disconnect();
  const x = spend.days.map((_, i) => i);
  /** @type {number[][]} */
  const stacked = [];
  spend.series.forEach((s, i) => stacked.push(s.values.map((v, d) => v + (i ? stacked[i - 1][d] : 0))));
  const order = spend.series.map((_, i) => i).reverse();
  const bars = UPlot.paths.bars?.({ size: [0.8, 48] });
  /** @type {import('uplot').Options} */
  const options = {
    width: Math.max(280, target.clientWidth),
    height: 300,
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, x.length - 0.5)] } },
    axes: [
      { values: (_, ticks) => ticks.map((t) => spend.days[t]?.slice(5) ?? ''), stroke: '#1f2328' },
      { values: (_, ticks) => ticks.map((t) => `$${t}`), size: 64, stroke: '#1f2328' },
    ],
    legend: { live: true },
    cursor: { points: { show: false } },
    series: [
      { label: 'Day', value: (_, i) => (i == null ? '' : spend.days[i] ?? '') },
      ...order.map((i) => ({
        label: spend.series[i].label,
        fill: COLOURS[i % COLOURS.length],
        stroke: COLOURS[i % COLOURS.length],
        paths: bars,
        points: { show: false },
        value: (/** @type {unknown} */ _u, /** @type {number | null} */ _v, /** @type {number} */ _s, /** @type {number | null} */ d) => (d == null ? '' : usd.format(spend.series[i].values[d])),
      })),
    ],
  };
  plot = new UPlot(options, [x, ...order.map((i) => stacked[i])], target);
  resizer = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, target.clientWidth), height: 300 }));
  resizer.observe(target);
}
