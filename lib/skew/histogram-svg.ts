/**
 * An inline SVG of two overlaid histograms (training baseline vs served), as shares of each
 * side's non-null values, so samples of different sizes compare. No script, no external assets.
 */
import { escapeHtml } from './html.ts';
import type { Distribution } from './types.ts';

export const HISTOGRAM_SIZE = { width: 560, height: 220 } as const;
const PAD = { left: 44, right: 12, top: 26, bottom: 54 } as const;
export const COLORS = { baseline: '#2563eb', served: '#ea580c' } as const;

export function histogramSvg(dist: Distribution, title: string): string {
  const { width, height } = HISTOGRAM_SIZE;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const share = (xs: number[]) => {
    const total = xs.reduce((a, b) => a + b, 0);
    return xs.map((x) => (total === 0 ? 0 : x / total));
  };
  const base = share(dist.bins.map((b) => b.baseline));
  const served = share(dist.bins.map((b) => b.served));
  const top = Math.max(0.01, ...base, ...served);
  const n = Math.max(dist.bins.length, 1);
  const slot = plotW / n;
  const barW = Math.max(slot * 0.8, 1);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const bars: string[] = [];
  dist.bins.forEach((bin, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    for (const [side, values] of [
      ['baseline', base],
      ['served', served],
    ] as const) {
      const v = values[i]!;
      bars.push(
        `<rect class="bar ${side}" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" ` +
          `height="${(PAD.top + plotH - y(v)).toFixed(1)}" fill="${COLORS[side]}" fill-opacity="0.55">` +
          `<title>${escapeHtml(`${bin.label}: ${side} ${(v * 100).toFixed(1)}%`)}</title></rect>`,
      );
    }
  });
  // Label every bin when few, else every other one, rotated so long labels fit.
  const every = n > 12 ? 2 : 1;
  const labels = dist.bins
    .map((bin, i) => {
      if (i % every !== 0) return '';
      const x = PAD.left + i * slot + slot / 2;
      const yText = PAD.top + plotH + 10;
      const text = bin.label.length > 14 ? `${bin.label.slice(0, 13)}…` : bin.label;
      return `<text x="${x.toFixed(1)}" y="${yText}" transform="rotate(35 ${x.toFixed(1)} ${yText})" class="tick">${escapeHtml(text)}</text>`;
    })
    .join('');
  const axis =
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="#666"/>` +
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#666"/>` +
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" class="tick" text-anchor="end">${(top * 100).toFixed(0)}%</text>` +
    `<text x="${PAD.left - 6}" y="${PAD.top + plotH}" class="tick" text-anchor="end">0%</text>`;
  const legend =
    `<rect x="${PAD.left}" y="6" width="12" height="12" fill="${COLORS.baseline}" fill-opacity="0.55"/>` +
    `<text x="${PAD.left + 16}" y="16" class="legend">training baseline</text>` +
    `<rect x="${PAD.left + 140}" y="6" width="12" height="12" fill="${COLORS.served}" fill-opacity="0.55"/>` +
    `<text x="${PAD.left + 156}" y="16" class="legend">served</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="histogram" role="img" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>${legend}${axis}${bars.join('')}${labels}</svg>`
  );
}
