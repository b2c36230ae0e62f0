// A time series drawn with uPlot. The container carries the plotted series and its total as data attributes, so
// tests (and curious users) can read exactly what the chart shows.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatCount } from '../lib/format.js';
import type { Interval } from '../lib/range.js';

export interface ChartPoint {
  /** Bucket start, epoch milliseconds. */
  t: number;
  value: number;
}

interface Props {
  /** Names the chart for tests: data-chart="…". */
  name: string;
  label: string;
  points: ChartPoint[];
  /** The previous period, drawn over the same buckets as a dashed line. */
  previous?: ChartPoint[] | undefined;
  interval: Interval;
  height?: number;
}

const BUCKET_S: Record<Interval, number> = { hour: 3600, day: 86_400, week: 604_800, month: 2_629_800 };
const AXIS = { stroke: '#6b7280', grid: { stroke: '#eef0f4', width: 1 }, ticks: { stroke: '#eef0f4', width: 1 }, font: '12px system-ui, sans-serif' };

function options(props: Props, width: number): uPlot.Options {
  const half = BUCKET_S[props.interval] / 2;
  const series: uPlot.Series[] = [
    {},
    { label: props.label, stroke: '#4f46e5', fill: 'rgba(79, 70, 229, 0.75)', width: 0, points: { show: false }, paths: uPlot.paths.bars!({ size: [0.7, 56] }), value: (_u, v) => (v === null ? '–' : formatCount(v)) },
  ];
  if (props.previous !== undefined) {
    series.push({ label: 'Previous period', stroke: '#9ca3af', width: 1.5, dash: [4, 4], points: { show: false }, value: (_u, v) => (v === null ? '–' : formatCount(v)) });
  }
  return {
    width,
    height: props.height ?? 240,
    series,
    scales: {
      // Half a bucket of room on each side, so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - half, max + half] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [{ ...AXIS }, { ...AXIS, size: 48, values: (_u, ticks) => ticks.map((v) => formatCount(v)) }],
    legend: { show: true },
    cursor: { y: false, points: { show: false } },
  };
}

function data(props: Props): uPlot.AlignedData {
  const xs = props.points.map((p) => p.t / 1000);
  const ys = props.points.map((p) => p.value);
  if (props.previous === undefined) return [xs, ys];
  // The previous period lines up bucket by bucket with the current one.
  return [xs, ys, props.points.map((_p, i) => props.previous![i]?.value ?? null)];
}

export function TimeChart(props: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (el === null || props.points.length === 0) return;
    const plot = new uPlot(options(props, el.clientWidth), data(props), el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: props.height ?? 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.points, props.previous, props.interval, props.label, props.height]);

  const total = props.points.reduce((sum, p) => sum + p.value, 0);
  const plotted = JSON.stringify(props.points.map((p) => [new Date(p.t).toISOString(), p.value]));
  return (
    <div class="chart" data-chart={props.name} data-total={total} data-series={plotted}>
      <div ref={box} class="chart-plot" />
      {props.points.length === 0 && <p class="chart-empty">Nothing in this range yet.</p>}
    </div>
  );
}
