/**
 * Text on the canvas: the font string for a size, and fitting a label into a width (cut at
 * the end, or in the middle for thread names that differ only at the end).
 */
import type { Theme } from './theme';

export function font(theme: Theme, sizeCssPx: number, weight = ''): string {
  return `${weight ? `${weight} ` : ''}${sizeCssPx}px ${theme.font}`;
}

/** The longest prefix of `text` (with an ellipsis) that fits in `widthCssPx`, or '' if not even one letter. */
export function fitText(ctx: CanvasRenderingContext2D, text: string, widthCssPx: number): string {
  return fitCut(ctx, text, widthCssPx, (keep) => `${text.slice(0, keep)}…`);
}

/** Like fitText, but cuts the middle: thread names often differ only at the end (ThreadPoolExecutor-0_1). */
export function fitTextMiddle(ctx: CanvasRenderingContext2D, text: string, widthCssPx: number): string {
  return fitCut(ctx, text, widthCssPx, (keep) => `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`);
}

/**
 * `text` when it fits; else `cut(keep)` for the most letters `keep` that fits (its width grows
 * with `keep`, so a binary search over `keep` finds it), or '' if not even one letter does.
 */
function fitCut(ctx: CanvasRenderingContext2D, text: string, widthCssPx: number, cut: (keep: number) => string): string {
  if (ctx.measureText(text).width <= widthCssPx) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (ctx.measureText(cut(mid)).width <= widthCssPx) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? '' : cut(low);
}
