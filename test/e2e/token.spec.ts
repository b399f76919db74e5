// The browser-mode token never leaves the app's origin (issue 13): cookies are not separated by
// port, so a token cookie went to every server on 127.0.0.1. After opening the app, a visit to
// another loopback port (a server this test starts, recording every request) carries no cookie
// and no token anywhere; the address bar no longer shows the token, and a reload still works.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';

const TOKEN = process.env.INSPECTOR_TOKEN!;
const appUrl = `/?token=${TOKEN}`;

/** The app connected to its server (the graph view exists only then) and drew the model. */
async function connected(page: Page): Promise<void> {
  await expect(page.locator('.graph')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
}

/** A tiny server on another loopback port that records what each request carried. */
async function recorder(): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    seen.push(`${request.method} ${request.url}\n${JSON.stringify(request.headers)}`);
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end('<!doctype html><title>another local server</title><img src="/pixel.png">');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

test('no token reaches another server on the same host; the page keeps it out of its URL', async ({
  page,
}) => {
  const other = await recorder();
  try {
    await page.goto(appUrl);
    await connected(page);
    expect(page.url()).not.toContain(TOKEN); // out of the address bar, history and bookmarks
    expect(await page.context().cookies()).toEqual([]);

    // The app's own page asks the other server for something, credentials and all.
    await page.evaluate(async (url) => {
      await fetch(url, { mode: 'no-cors', credentials: 'include' }).catch(() => undefined);
    }, `http://127.0.0.1:${other.port}/from-the-app`);
    // The person opens another local server, by address and by name.
    await page.goto(`http://127.0.0.1:${other.port}/visit`);
    await page.goto(`http://localhost:${other.port}/visit-by-name`);
    await expect.poll(() => other.seen.length).toBeGreaterThanOrEqual(3);
    for (const request of other.seen) {
      expect(request).not.toContain(TOKEN);
      expect(request.toLowerCase()).not.toContain('"cookie"');
    }

    // Back at the app without the token in the URL: the tab kept it, so the app still connects.
    await page.goto('http://127.0.0.1:7310/');
    await connected(page);
    await page.reload();
    await connected(page);
  } finally {
    other.server.close();
  }
});
