// electron-builder.yml loads and asks for what issue 4 §4 asks: ids, the targets per platform,
// and the fuses that keep the shipped binary from running as Node or loading outside its asar.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const config = parse(readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  productName: string;
  main: string;
};

describe('electron-builder.yml', () => {
  it('names the app as package.json does', () => {
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe(pkg.productName);
  });

  it('builds AppImage and deb on Linux, dmg on macOS, nsis on Windows', () => {
    const targets = (platform: string) => (config[platform] as { target: string[] }).target;
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(targets('win')).toEqual(['nsis']);
  });

  it('flips the fuses: no run-as-Node, no NODE_OPTIONS, only the asar, asar integrity', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('packs the entry point package.json names', () => {
    expect(pkg.main).toBe('dist/electron/main.cjs');
    expect(config.files).toContain('dist/electron/**');
    expect(config.files).toContain('dist/renderer/**');
  });
});
