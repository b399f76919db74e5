// Number formats of the profile view: times with enough decimals that 345 rounded cells still add
// up to their total, differences with a sign, rates and statistics.

/** Milliseconds: `812 ms`, `12.3 ms`, `1.23 ms`, `0.042 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) {
    return '–';
  }
  const abs = Math.abs(ms);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${ms.toFixed(digits)} ms`;
}

/** A table cell in ms, without the unit: three decimals, so rounding never moves a sum by 1%. */
export function cellMs(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '' : ms.toFixed(3);
}

/** A signed difference in ms: `+1.234`, `−0.500`. */
export function signedMs(ms: number): string {
  if (!Number.isFinite(ms)) {
    return '–';
  }
  const text = Math.abs(ms).toFixed(3);
  return ms > 0 ? `+${text}` : ms < 0 ? `−${text}` : text;
}

/** A signed percentage: `+12.5 %`. */
export function signedPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) {
    return '–';
  }
  const text = Math.abs(fraction * 100).toFixed(1);
  return `${fraction > 0 ? '+' : fraction < 0 ? '−' : ''}${text} %`;
}

/** A share, `12.34 %`. */
export function percentText(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(2)} %` : '';
}

/** Giga multiply-accumulates a second, `3.21`. */
export function gmacsText(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : value.toFixed(2);
}

/** A statistic: four significant digits, exponent form when tiny or huge. */
export function statText(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '−Inf';
  }
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3) : value.toPrecision(4);
}

/** Bytes as MB, `123 MB`. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
