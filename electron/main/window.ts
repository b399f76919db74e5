/**
 * The one window and the guards every web contents gets: isolated, sandboxed, no Node, no
 * navigation away, no new windows, no webviews, no permissions.
 */
import { BrowserWindow, type Session, type WebContents } from 'electron';
import { APP_HOST, APP_SCHEME } from './protocol';

/** The URL the window loads. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Creates the main window. The security settings are spelled out in the literal, not left to
 * defaults, and stay inline so electronegativity can read them.
 */
export function createWindow(preloadPath: string): BrowserWindow {
  return new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 600,
    title: 'ResNeXt Inspector',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click would open links in new windows; those are denied anyway.
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

/** The events the guards listen to. */
type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Denies navigation, redirects, new windows and webviews for one web contents. */
export function guardContents(contents: GuardedContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Denies every permission request and check of a session. */
export function denyPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
