// Debian's chromium driven by playwright-core (never downloads a browser).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Chromium flags for calls: fake camera and microphone, granted without a prompt. */
export const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

/** playwright-core gives every launch a fresh temporary user-data-dir (and removes it on close). */
export async function launch({ args = [] } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, ...args] });
  return {
    browser,
    async newPage(viewport = { width: 1360, height: 820 }) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error('[pageerror]', e.message));
      page.consoleErrors = [];
      page.on('console', (m) => {
        if (m.type() === 'error') page.consoleErrors.push(m.text());
      });
      // Record every WebSocket frame the page receives (to assert what a role never gets).
      page.framesReceived = [];
      page.on('websocket', (ws) => ws.on('framereceived', (f) => page.framesReceived.push(String(f.payload))));
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Fill the name prompt and wait until the room is joined. */
export async function joinAs(page, name) {
  await page.waitForSelector('#name-input');
  await page.fill('#name-input', name);
  await page.click('#join-button');
  await page.waitForSelector('#editor .cm-content');
  await page.waitForFunction(() => window.__room && window.__room.connected);
}

export const docOf = (page) => page.evaluate(() => window.__room.view.state.doc.toString());

/** Wait until the page's document equals `expected` (string) or passes `pred`. */
export async function waitForDoc(page, expected, timeout = 10_000) {
  await page.waitForFunction(
    (exp) => window.__room && window.__room.view && window.__room.view.state.doc.toString() === exp,
    expected,
    { timeout },
  );
}

/** Create a session through the home page, enter the room as interviewer. Returns the links. */
export async function createViaHome(page, baseUrl, { title = 'E2E interview', language } = {}) {
  await page.goto(baseUrl + '/');
  await page.waitForSelector('#start-form');
  await page.waitForFunction(() => !document.querySelector('#runtime-note')?.textContent?.startsWith('Loading'));
  if (language) await page.selectOption('#new-language', language);
  await page.fill('#new-title', title);
  await page.click('#start-button');
  await page.waitForSelector('#candidate-link');
  const candidate = await page.inputValue('#candidate-link');
  const interviewer = await page.inputValue('#interviewer-link');
  await page.click('#enter-room');
  await page.waitForURL(/\/room\//);
  return { candidate, interviewer };
}
