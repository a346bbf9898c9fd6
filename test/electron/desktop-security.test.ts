/**
 * What keeps the desktop app locked down, checked without Electron's binary: the packaging configuration (fuses and
 * targets), the network guard, the renderer's CSP, and the preload's one IPC exchange.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { uiContentSecurityPolicy } from '../../engine/host/index.js';
import { isAppUrl } from '../../electron/main/app-url.js';
import { isAllowedRequest } from '../../electron/main/offline.js';

const read = (file: string) => fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('electron-builder.yml', () => {
  const config = YAML.parse(read('electron-builder.yml')) as Record<string, unknown>;

  it('flips the security fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // The fuses only protect an app that is packed into app.asar.
    expect(config.asar).not.toBe(false);
  });

  it('builds a Linux AppImage and deb, a macOS dmg and a Windows NSIS installer', () => {
    const targets = (v: unknown) => [v].flat().map((t) => (typeof t === 'string' ? t : (t as { target: string }).target));
    expect(targets((config.linux as { target: unknown }).target)).toEqual(['AppImage', 'deb']);
    expect(targets((config.mac as { target: unknown }).target)).toEqual(['dmg']);
    expect(targets((config.win as { target: unknown }).target)).toEqual(['nsis']);
  });

  it('packs the compiled main process, engine process and preload, and the renderer build', () => {
    const files = config.files as unknown[];
    expect(files).toContain('electron/dist/**');
    expect(files).toContain('renderer/dist/**');
    expect(read('package.json')).toContain('"main": "electron/dist/electron/main/main.js"');
  });
});

describe('nothing is fetched from the network', () => {
  it('allows the app scheme, data:, blob: and the developer tools, and nothing else', () => {
    for (const url of ['app://thingbench/index.html', 'app://thingbench/assets/index-abc.js', 'data:image/png;base64,AAAA', 'blob:app://thingbench/1234', 'devtools://devtools/bundled/inspector.html']) {
      expect(isAllowedRequest(url), url).toBe(true);
    }
    for (const url of ['https://example.com/font.woff2', 'http://127.0.0.1:8080/rpc', 'ws://localhost:8083/', 'wss://x.iot.amazonaws.com/mqtt', 'file:///etc/passwd', 'ftp://h/x', 'not a url']) {
      expect(isAllowedRequest(url), url).toBe(false);
    }
  });

  it('the renderer\'s CSP names no remote source, only the app itself', () => {
    const csp = uiContentSecurityPolicy();
    expect(csp).not.toMatch(/https?:|wss?:|\*/);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('only the app\'s own origin counts as the app (navigation and IPC senders are checked against it)', () => {
    expect(isAppUrl('app://thingbench/index.html#/registry')).toBe(true);
    for (const url of ['app://evil/index.html', 'https://thingbench/', 'file:///index.html', '']) expect(isAppUrl(url), url).toBe(false);
  });
});

describe('the preload', () => {
  const preload = read('electron/preload/preload.ts');
  const channels = read('electron/main/ipc-channels.ts');

  it('uses the main process\'s channel names and exposes only send and onMessage', () => {
    for (const [name, value] of [...channels.matchAll(/export const (\w+_CHANNEL) = '([^']+)'/g)].map((m) => [m[1], m[2]])) {
      expect(preload).toContain(`const ${name} = '${value}'`);
    }
    expect(preload.match(/exposeInMainWorld\('thingbench', bridge\)/g)).toHaveLength(1);
    expect(preload).toMatch(/const bridge: PreloadBridge = \{\s+send\(msg: WireMessage\) \{[\s\S]+\},\s+onMessage\(cb/);
    // Sandboxed: it loads nothing but electron (contract types vanish at compile time).
    const runtimeImports = [...preload.matchAll(/^import (?!type)[^'\n]+'([^']+)'/gm)].map((m) => m[1]);
    expect(runtimeImports).toEqual(['electron']);
  });

  it('the window is sandboxed, isolated and without Node', () => {
    const win = read('electron/main/window.ts');
    for (const setting of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webviewTag: false', 'nodeIntegrationInSubFrames: false']) {
      expect(win).toContain(setting);
    }
    const hardening = read('electron/main/hardening.ts');
    expect(hardening).toContain("setWindowOpenHandler(() => ({ action: 'deny' }))");
    expect(hardening).toContain('setPermissionRequestHandler');
    expect(hardening).toContain('onBeforeRequest');
  });
});
