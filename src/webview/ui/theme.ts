import { THREAD_STATE_COUNT, ThreadState } from '../../trace/format';
/**
 * Colours and patterns for the canvas, read from the page's CSS variables (media/webview.css
 * maps VS Code's theme variables to --tl-*, with light and dark fallbacks for the standalone
 * report). Every thread state has a colour *and* a pattern or shape, so colour is never the
 * only cue.
 */

const HOLD_COLOR_COUNT = 12;
/** Colours that tell threads apart on the GIL lane (a thread's colour is its lane position's, modulo). */
const THREAD_COLOR_COUNT = 8;

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  border: string;
  focus: string;
  error: string;
  widgetBackground: string;
  stateColor: string[];
  /** A fill per state (a pattern, or the plain colour). */
  stateFill: (string | CanvasPattern)[];
  holdColor: string[];
  /** Text colour that reads on each hold colour. */
  holdText: string[];
  /** GIL mode: a colour per thread (by lane position), and text that reads on it. */
  threadColor: string[];
  threadText: string[];
  font: string;
  monoFont: string;
  fontSizeCssPx: number;
  dark: boolean;
}

function cssVariable(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value || fallback;
}

/** Parses #rgb, #rrggbb, rgb() and rgba() into 0…255 channels (others: mid grey). */
function parseColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color);
  if (hex) {
    const digits = hex[1];
    if (digits.length === 3 || digits.length === 4)
      return [0, 1, 2].map((i) => parseInt(digits[i] + digits[i], 16)) as [number, number, number];
    return [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return [128, 128, 128];
}

function luminance(color: string): number {
  const [r, g, b] = parseColor(color).map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

type TileDrawer = (tile: CanvasRenderingContext2D, size: number, base: string, ink: string) => void;

/** How each state's tile is drawn: solid, cross-hatched, striped, dotted. */
const TILES: Partial<Record<ThreadState, TileDrawer>> = {
  [ThreadState.Blocked]: (tile, size, base, ink) => {
    tile.fillStyle = base;
    tile.fillRect(0, 0, size, size);
    tile.strokeStyle = ink;
    tile.lineWidth = size / 6;
    tile.beginPath();
    tile.moveTo(0, 0);
    tile.lineTo(size, size);
    tile.moveTo(size, 0);
    tile.lineTo(0, size);
    tile.stroke();
  },
  [ThreadState.Waiting]: (tile, size, base, ink) => {
    tile.fillStyle = base;
    tile.fillRect(0, 0, size, size);
    tile.strokeStyle = ink;
    tile.lineWidth = size / 4;
    tile.beginPath();
    tile.moveTo(-1, size + 1);
    tile.lineTo(size + 1, -1);
    tile.moveTo(-1, 1);
    tile.lineTo(1, -1);
    tile.moveTo(size - 1, size + 1);
    tile.lineTo(size + 1, size - 1);
    tile.stroke();
  },
  [ThreadState.Sleeping]: (tile, size, base, ink) => {
    tile.fillStyle = base;
    tile.fillRect(0, 0, size, size);
    tile.fillStyle = ink;
    tile.beginPath();
    tile.arc(size / 2, size / 2, size / 6, 0, Math.PI * 2);
    tile.fill();
  },
  // Before start: a dashed line (after the end: a solid one).
  [ThreadState.NotStarted]: (tile, size, _base, ink) => {
    tile.clearRect(0, 0, size, size);
    tile.fillStyle = ink;
    tile.fillRect(0, 0, size / 2, size);
  },
  // Waiting for the GIL: horizontal bars (a lock wait is cross-hatched, other waits diagonal).
  [ThreadState.WaitingForGil]: (tile, size, base, ink) => {
    tile.fillStyle = base;
    tile.fillRect(0, 0, size, size);
    tile.fillStyle = ink;
    tile.fillRect(0, size / 2 - size / 8, size, size / 4);
  },
  [ThreadState.Starting]: (tile, size, base, ink) => {
    tile.fillStyle = base;
    tile.fillRect(0, 0, size, size);
    tile.fillStyle = ink;
    tile.fillRect(0, 0, size / 4, size);
  },
};

export function readTheme(root: HTMLElement, context: CanvasRenderingContext2D, devicePixelRatio: number): Theme {
  const style = getComputedStyle(root);
  const v = (name: string, fallback: string) => cssVariable(style, name, fallback);
  const background = v('--tl-bg', '#ffffff');
  const dark = luminance(background) < 0.3;
  const stateColor: string[] = new Array<string>(THREAD_STATE_COUNT);
  stateColor[ThreadState.NotStarted] = v('--tl-idle', '#8c959f');
  stateColor[ThreadState.Starting] = v('--tl-starting', '#8250df');
  stateColor[ThreadState.Running] = v('--tl-running', '#2da44e');
  stateColor[ThreadState.Blocked] = v('--tl-blocked', '#cf222e');
  stateColor[ThreadState.Waiting] = v('--tl-waiting', '#d4760b');
  stateColor[ThreadState.Sleeping] = v('--tl-sleeping', '#218bff');
  stateColor[ThreadState.Finished] = v('--tl-idle', '#8c959f');
  stateColor[ThreadState.Failed] = v('--tl-blocked', '#cf222e');
  stateColor[ThreadState.WaitingForGil] = v('--tl-gil-wait', '#bf3989');
  const size = Math.max(6, Math.round(8 * devicePixelRatio));
  const stateFill = stateColor.map((color, state) => {
    const draw = TILES[state as ThreadState];
    if (!draw) return color;
    const tile = document.createElement('canvas');
    tile.width = size;
    tile.height = size;
    const tileContext = tile.getContext('2d');
    if (!tileContext) return color;
    const light = state === ThreadState.Sleeping || state === ThreadState.Starting || state === ThreadState.NotStarted;
    draw(tileContext, size, light ? withAlpha(color, 0.45) : color, light ? color : withAlpha(background, 0.55));
    return context.createPattern(tile, 'repeat') ?? color;
  });
  const holdColor = Array.from({ length: HOLD_COLOR_COUNT }, (_, i) => v(`--tl-hold-${i}`, '#4e79a7'));
  const threadColor = Array.from({ length: THREAD_COLOR_COUNT }, (_, i) => v(`--tl-thread-${i}`, '#4e79a7'));
  return {
    background,
    foreground: v('--tl-fg', '#1f2328'),
    muted: v('--tl-muted', '#59636e'),
    border: v('--tl-border', '#d0d7de'),
    focus: v('--tl-focus', '#0969da'),
    error: v('--tl-error', '#cf222e'),
    widgetBackground: v('--tl-widget-bg', '#f6f8fa'),
    stateColor,
    stateFill,
    holdColor,
    holdText: holdColor.map((c) => (luminance(c) > 0.35 ? '#111111' : '#ffffff')),
    threadColor,
    threadText: threadColor.map((c) => (luminance(c) > 0.35 ? '#111111' : '#ffffff')),
    font: v('--tl-font', 'system-ui, sans-serif'),
    monoFont: v('--tl-mono', 'monospace'),
    fontSizeCssPx: parseFloat(v('--tl-canvas-font-size', '12')) || 12,
    dark,
  };
}

/** Words for a state, as the legend and the tooltips say them. */
export const STATE_WORDS: string[] = [];
STATE_WORDS[ThreadState.NotStarted] = 'not started';
STATE_WORDS[ThreadState.Starting] = 'starting';
STATE_WORDS[ThreadState.Running] = 'running';
STATE_WORDS[ThreadState.Blocked] = 'blocked on a lock';
STATE_WORDS[ThreadState.Waiting] = 'waiting';
STATE_WORDS[ThreadState.Sleeping] = 'sleeping';
STATE_WORDS[ThreadState.Finished] = 'finished';
STATE_WORDS[ThreadState.Failed] = 'failed';
STATE_WORDS[ThreadState.WaitingForGil] = 'waiting for the GIL';

/**
 * How tall a state's bar is (fraction of the state bar), so state reads by shape too: work
 * and waiting fill the bar, sleeping and starting half of it, before and after a line.
 */
export function stateBarShare(state: ThreadState): number {
  switch (state) {
    case ThreadState.Running:
    case ThreadState.Blocked:
    case ThreadState.Waiting:
      return 1;
    case ThreadState.WaitingForGil:
      return 0.75;
    case ThreadState.Sleeping:
    case ThreadState.Starting:
      return 0.5;
    default:
      return 0.12;
  }
}
