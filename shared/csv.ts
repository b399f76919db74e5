/**
 * CSV fields (RFC 4180) that a spreadsheet reads as text: one formula guard for every CSV the app
 * writes (the summary, the profile timings), since layer names come from model files.
 */

/** Whether text would be read as a formula: it starts with =, +, -, @, a tab or a return. */
export function isFormulaLike(text: string): boolean {
  return /^[=+\-@\t\r]/.test(text);
}

/**
 * One CSV field. Text that a spreadsheet would run as a formula is prefixed with a quote mark
 * (`-2+3+cmd|' /C calc'!A0` too: a leading minus and a digit make no number of it); a field
 * with a comma, quote or line break is quoted. Numbers are written as they are.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && isFormulaLike(text)) {
    text = `'${text}`;
  }
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
