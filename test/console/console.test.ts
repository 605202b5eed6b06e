import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { readAdminToken } from '../../src/admin/admin-token';
import { presentedFingerprint } from '../certs/cert-test-kit';
import { addDocument, ACME_PASSWORD, postDocument, templateConfig } from '../inbound/flowthrough-client';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';
import { describeWithBrowser, ensureConsoleBuilt, launchChromium, makeOutsideCa, opensslSign, SCREENSHOT_DIR, type OutsideCa } from './console-kit';

const WAIT = { timeout: 20_000 };
const email = (user: string) => `<emailAddress>${user.split('@')[0]}@acme.example</emailAddress>`;

describeWithBrowser('the web console in a real Chromium', (executablePath) => {
  let t: TestBridge;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  let temp: ReturnType<typeof makeTempDir>;
  let ca: OutsideCa;
  const cspViolations: string[] = [];
  const pageLoads: string[] = [];

  const bearer = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const adminCall = async (method: 'GET' | 'POST' | 'DELETE', urlPath: string, body?: unknown) => {
    const res = await request(`${t.adminUrl}${urlPath}`, { method, headers: bearer(), body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  };
  const go = async (hash: string) => {
    // A string: the test compiles without the DOM library.
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    temp = makeTempDir('impb-console-');
    ca = makeOutsideCa(temp.dir);
    t = await startTestBridge({
      webex: { simulatorProvisioningDelayMs: 200 },
      pipeline: { pollInitialMs: 100, pollMaxMs: 500, retryBaseMs: 100 },
      templates: [templateConfig('acme-standard', ACME_PASSWORD, { trustedEmail: true })],
    });
    token = readAdminToken(t.bridge.parts.config)!;
    expect((await adminCall('POST', '/api/v1/clusters', { name: 'as-east', description: 'east AS pair', hosts: ['as1.east.example.net'] })).status).toBe(201);
    const east = {
      name: 'east',
      provisioningId: 'prov-east',
      package: 'standard',
      cluster: 'as-east',
      account: { username: 'east-as', password: 'Secr3t-Passw0rd' },
    };
    expect((await adminCall('POST', '/api/v1/templates', east)).status).toBe(201);
    browser = await launchChromium(executablePath);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('load', () => pageLoads.push(page.url()));
    // Nothing may come from elsewhere than the admin listener.
    await context.route('**/*', (route) => (route.request().url().startsWith(t.adminUrl) ? route.continue() : route.abort()));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    temp?.cleanup();
    if (!SCREENSHOT_DIR.startsWith(path.resolve(__dirname, '..', '..'))) fs.rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  });

  it('serves the console with a strict CSP, no framing, hashed long-cached assets and a no-cache index', async () => {
    const index = await request(`${t.adminUrl}/console/`);
    const html = await index.body.text();
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).not.toMatch(/unsafe-inline|https?:/);
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = /src="(\/console\/assets\/[^"]+-[A-Za-z0-9_-]{8}\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await request(`${t.adminUrl}${asset}`);
    await js.body.text();
    expect(js.headers['cache-control']).toContain('immutable');
    expect(html).not.toMatch(/<script>|style=|https?:\/\//);
  });

  it('logs in with the admin token: an HttpOnly SameSite=Strict session cookie, not the token, is kept', async () => {
    await page.goto(`${t.adminUrl}/console/`);
    await page.fill('input[name=token]', 'wrong-token-wrong-token');
    await page.click('button:has-text("Log in")');
    await page.locator('.error:has-text("admin token is wrong")').waitFor(WAIT);
    await shot('login');
    // By keyboard only: the token field is the first control, Enter submits.
    await page.fill('input[name=token]', '');
    // Clicking the heading moves the sequential focus starting point above the form.
    await page.click('main.login h1');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.name')).toBe('token');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('nav[aria-label=Main]').waitFor(WAIT);
    await page.locator('h2:has-text("Subscribers")').waitFor(WAIT);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'impb_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(token);
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);
  });

  it('shows a flow-through request the test sends, and the user reaches provisioned without a reload', async () => {
    await go('#/subscribers');
    await page.locator('h1:has-text("Subscribers")').waitFor(WAIT);
    const loadsBefore = pageLoads.length;
    const user = 'alice@voip.example.net';
    expect((await postDocument(t, addDocument(user, email(user)))).text).toContain('c:SuccessResponse');
    await page.locator(`tr[data-user="${user}"]`).waitFor(WAIT);
    await page.locator(`tr[data-user="${user}"] .status-provisioned`).waitFor(WAIT);
    expect(pageLoads.length).toBe(loadsBefore);
    await shot('subscribers');
    await go('#/');
    await page.locator('[data-testid="count-provisioned"]').waitFor(WAIT);
    await shot('overview');
  });

  it('opens the timeline of the user: events, Webex calls with HTTP status and TrackingID', async () => {
    await go('#/subscribers');
    await page.click('a:has-text("alice@voip.example.net")');
    await page.locator('ol.timeline li.src-event').first().waitFor(WAIT);
    await page.locator('ol.timeline li.src-webex:has-text("HTTP")').first().waitFor(WAIT);
    expect(await page.locator('ol.timeline li.src-webex code.tracking').count()).toBeGreaterThan(0);
    await page.locator('[data-testid="subscriber-status"] .status-provisioned').waitFor(WAIT);
    await shot('subscriber-detail');
  });

  it('retries from the page a user a simulator fault failed, and the user is provisioned', async () => {
    const simulator = t.bridge.parts.webex.simulator!;
    simulator.setFaults({ failNext: { status: 400, count: 1, method: 'POST', path: '/broadworks/subscribers' } });
    const user = 'bob@voip.example.net';
    expect((await postDocument(t, addDocument(user, email(user)).replace('Alice', 'Bob'))).text).toContain('c:SuccessResponse');
    await go(`#/subscribers/${encodeURIComponent(user)}`);
    await page.locator('td .status-failed').first().waitFor(WAIT);
    await go('#/jobs');
    await page.locator(`tr:has-text("${user}") .status-failed`).waitFor(WAIT);
    await shot('jobs');
    await go(`#/subscribers/${encodeURIComponent(user)}`);
    await page.click('button:has-text("Retry")');
    await page.locator('dialog.confirm[open]').waitFor(WAIT);
    await page.click('dialog.confirm[open] button:has-text("Retry")');
    await page.locator('.notice:has-text("queued again")').waitFor(WAIT);
    await page.locator('[data-testid="subscriber-status"] .status-provisioned').waitFor(WAIT);
  });

  it('retries failed jobs in bulk from the jobs page, with progress, and every user is provisioned', async () => {
    const simulator = t.bridge.parts.webex.simulator!;
    const users = ['carol@voip.example.net', 'dave@voip.example.net'];
    simulator.setFaults({ failNext: { status: 400, count: users.length, method: 'POST', path: '/broadworks/subscribers' } });
    for (const user of users) expect((await postDocument(t, addDocument(user, email(user)))).text).toContain('c:SuccessResponse');
    await go('#/jobs');
    for (const user of users) await page.locator(`tr:has-text("${user}") .status-failed`).waitFor(WAIT);
    for (const user of users) await page.locator(`tr:has-text("${user}") input[type=checkbox]`).check();
    await page.click('button:has-text("Retry selected (2)")');
    await page.click('dialog.confirm[open] button:has-text("Retry all")');
    await page.locator('.bulk:has-text("2 of 2")').waitFor(WAIT);
    expect(await page.locator('.bulk progress').getAttribute('value')).toBe('2');
    for (const user of users) {
      await go(`#/subscribers/${encodeURIComponent(user)}`);
      await page.locator('[data-testid="subscriber-status"] .status-provisioned').waitFor(WAIT);
    }
  });

  it('retries every failed job with one bulk request (POST /jobs/retry, NDJSON progress), and every user is provisioned', async () => {
    const simulator = t.bridge.parts.webex.simulator!;
    const users = ['hana@voip.example.net', 'ivan@voip.example.net', 'jun@voip.example.net'];
    simulator.setFaults({ failNext: { status: 400, count: users.length, method: 'POST', path: '/broadworks/subscribers' } });
    for (const user of users) expect((await postDocument(t, addDocument(user, email(user)))).text).toContain('c:SuccessResponse');
    await go('#/jobs');
    for (const user of users) await page.locator(`tr:has-text("${user}") .status-failed`).waitFor(WAIT);
    const failed = ((await adminCall('GET', '/api/v1/jobs?state=failed&limit=500')).body.jobs as unknown[]).length;
    expect(failed).toBeGreaterThanOrEqual(users.length);
    const bulkRequests: string[] = [];
    const single: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'POST') return;
      if (r.url().endsWith('/api/v1/jobs/retry')) bulkRequests.push(r.headers().accept ?? '');
      else if (/\/api\/v1\/jobs\/\d+\/retry$/.test(r.url())) single.push(r.url());
    });
    // Nothing selected: the bulk request covers every failed job, listed or not.
    await page.click('button:has-text("Retry all failed")');
    await page.click('dialog.confirm[open] button:has-text("Retry every failed job")');
    await page.locator(`.bulk:has-text("${failed} of ${failed}")`).waitFor(WAIT);
    expect(await page.locator('.bulk progress').getAttribute('value')).toBe(String(failed));
    expect(bulkRequests).toEqual(['application/x-ndjson']);
    expect(single).toEqual([]);
    expect(await page.locator('.bulk .error').count()).toBe(0);
    for (const user of users) {
      await go(`#/subscribers/${encodeURIComponent(user)}`);
      await page.locator('[data-testid="subscriber-status"] .status-provisioned').waitFor(WAIT);
    }
  });

  it('revokes a user after a confirmation that warns about BroadWorks, and the unassign frees it in Webex', async () => {
    const user = 'dave@voip.example.net';
    await go(`#/subscribers/${encodeURIComponent(user)}`);
    await page.locator('[data-testid="subscriber-status"] .status-provisioned').waitFor(WAIT);
    await page.click('.actions button:has-text("Revoke")');
    const dialog = page.locator('dialog.confirm[open]');
    await dialog.waitFor(WAIT);
    expect(await dialog.textContent()).toContain('BroadWorks still shows the service assigned');
    await dialog.locator('button:has-text("Revoke")').click();
    await page.locator('.notice:has-text("Unassign queued")').waitFor(WAIT);
    await page.locator('[data-testid="subscriber-status"] .status-deleted').waitFor(WAIT);
    const inWebex = [...t.bridge.parts.webex.simulator!.state.broadworksSubscribers.values()].filter((s) => s.userId === user);
    expect(inWebex).toEqual([]);
  });

  it('creates a template without a password: the generated one is shown once, at most 20 characters', async () => {
    await go('#/templates');
    const form = page.locator('form[aria-label="New template"]');
    await form.locator('input[name=name]').fill('west');
    await form.locator('input[name=provisioningId]').fill('prov-west');
    await form.locator('input[name=package]').fill('standard');
    await form.locator('input[name=username]').fill('west-as');
    await form.locator('button:has-text("Create template")').click();
    const shown = await form.locator('.notice code').textContent(WAIT);
    expect(shown!.length).toBeGreaterThan(0);
    expect(shown!.length).toBeLessThanOrEqual(20);
    await page.locator('[data-template="west"]').waitFor(WAIT);
    await page.locator('[data-template="west"] button:has-text("Show AS_CLI lines")').click();
    await page.locator('[data-template="west"] pre:has-text("set provisioningUserId west-as")').waitFor(WAIT);
    await go('#/');
    await go('#/templates');
    await page.locator('[data-template="west"]').waitFor(WAIT);
    expect(await page.locator(`text=${shown}`).count()).toBe(0);
  });

  it('adds a trust anchor after previewing the diff (listed with the clusters using it), and removes it', async () => {
    await go('#/certificates');
    await page.locator('h2:has-text("Trust anchors")').waitFor(WAIT);
    const fingerprint = new X509Certificate(ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase();
    await page.fill('textarea[name=trustPem]', ca.certPem);
    await page.click('button:has-text("Preview")');
    await page.locator('[data-testid="trust-diff"]:has-text("Will add: CN=Outside Test CA")').waitFor(WAIT);
    await page.click('[data-testid="trust-diff"] button:has-text("Add 1")');
    const row = page.locator(`tr[data-fingerprint="${fingerprint}"]`);
    await row.waitFor(WAIT);
    // The "used by clusters" cell shows the API's usedBy (none for a CA no client has used yet).
    expect(await page.locator('th:has-text("Used by clusters")').count()).toBe(1);
    expect((await row.locator('td').nth(3).textContent())!.trim()).toBe('—');
    expect((await adminCall('GET', '/api/v1/trust')).body.anchors).toEqual(expect.arrayContaining([expect.objectContaining({ fingerprint })]));
    await shot('certificates');
    await row.locator('button:has-text("Remove")').click();
    await page.click('dialog.confirm[open] button:has-text("Remove")');
    await row.waitFor({ state: 'detached', ...WAIT });
    expect(JSON.stringify((await adminCall('GET', '/api/v1/trust')).body.anchors)).not.toContain(fingerprint);
  });

  it('refuses to delete a cluster a template uses, and shows the API message as written', async () => {
    const refused = await adminCall('DELETE', '/api/v1/clusters/as-east');
    expect(refused.status).toBe(409);
    const message = (refused.body.error as { message: string }).message;
    await go('#/templates');
    await page.click('button[aria-label="Delete cluster as-east"]');
    await page.click('dialog.confirm[open] button:has-text("Delete")');
    await page.locator('.error', { hasText: message }).waitFor(WAIT);
    expect(await page.locator('.error').first().textContent()).toBe(message);
    await shot('templates');
    expect((await adminCall('GET', '/api/v1/clusters/as-east')).status).toBe(200);
    await page.click('button[aria-label="Edit cluster as-east"]');
    const form = page.locator('form[aria-label="Edit cluster as-east"]');
    await form.locator('input[name=description]').fill('east AS pair, renumbered');
    await form.locator('button:has-text("Save cluster")').click();
    await page.locator('tr[data-cluster="as-east"]:has-text("renumbered")').waitFor(WAIT);
    expect((await adminCall('GET', '/api/v1/clusters/as-east')).body).toMatchObject({
      description: 'east AS pair, renumbered',
      hosts: ['as1.east.example.net'],
      templates: ['east'],
    });
  });

  it('generates a CSR, installs the certificate an outside CA signed, and a new TLS handshake presents it', async () => {
    await go('#/certificates');
    await page.fill('input[name=commonName]', 'localhost');
    await page.fill('input[name=subjectAltNames]', 'localhost');
    await page.click('button:has-text("Generate CSR")');
    const csrPem = (await page.locator('[data-testid="csr-pem"]').textContent(WAIT))!;
    expect(csrPem).toContain('BEGIN CERTIFICATE REQUEST');
    const download = page.waitForEvent('download', WAIT);
    await page.click('button:has-text("Download CSR")');
    expect(fs.readFileSync((await (await download).path())!, 'utf8')).toBe(csrPem);
    const signed = opensslSign(ca, csrPem, ['localhost']);
    // A certificate for a key the proxy does not hold: the failed check is shown, no confirmation offered.
    await page.fill('textarea[name=certPem]', ca.certPem);
    await page.click('button:has-text("Install")');
    const refused = page.locator('form [data-testid="install-checks"][data-ok="false"]');
    await refused.waitFor(WAIT);
    expect(await refused.locator('tr[data-check="key"]').getAttribute('data-result')).toBe('failed');
    expect(await refused.locator('tr[data-check="key"]').textContent()).toMatch(/matches neither the pending key/);
    expect(await page.locator('dialog.confirm[open]').count()).toBe(0);
    await page.fill('textarea[name=certPem]', signed);
    await page.fill('textarea[name=chainPem]', ca.certPem);
    await page.click('button:has-text("Install")');
    // The checks of the install are shown before its confirmation, and nothing is active yet.
    const shownChecks = page.locator('dialog.confirm[open] [data-testid="install-checks"]');
    await shownChecks.waitFor(WAIT);
    const rows = await shownChecks.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-check'), tr.getAttribute('data-result')]));
    expect(rows).toEqual([
      ['certificate', 'ok'],
      ['key', 'ok'],
      ['validity', 'ok'],
      ['hostnames', 'ok'],
      ['chain', 'warning'],
      ['expiry', 'warning'],
    ]);
    expect(await shownChecks.locator('tr[data-check="chain"]').textContent()).toMatch(/not in the system trust store/);
    // opensslSign signs for 20 days, within the default tls.expiryWarnDays (30).
    expect(await shownChecks.locator('tr[data-check="expiry"]').textContent()).toMatch(/expires in (19|20) days/);
    const expected = new X509Certificate(signed).fingerprint256.replace(/:/g, '').toLowerCase();
    const dev = readDevClient(t.dataDir);
    expect(await presentedFingerprint(t, { cert: dev.cert, key: dev.key })).not.toBe(expected);
    await page.click('dialog.confirm[open] button:has-text("Check and install")');
    await page.locator('.notice:has-text("Installed")').waitFor(WAIT);
    expect(await presentedFingerprint(t, { cert: dev.cert, key: dev.key })).toBe(expected);
    await page.locator('[data-testid="server-certificate"]:has-text("Outside Test CA")').waitFor(WAIT);
  });

  it('shows the dialect coverage of the Requests page as the API answers it, with labelled controls, and its error as written', async () => {
    await go('#/requests');
    const section = page.locator('[data-testid="dialect-coverage"]');
    await section.locator('h2:has-text("Dialect coverage")').waitFor(WAIT);
    expect(await section.getByLabel('Template').getAttribute('name')).toBe('coverageTemplate');
    expect(await section.getByLabel('Since').inputValue()).toBe('7d');
    const answer = (await adminCall('GET', '/api/v1/dialect/coverage?template=east&since=7d')).body as { verdict: { text: string } };
    await section.getByLabel('Template').selectOption('east');
    const verdict = section.locator('[data-testid="coverage-verdict"]', { hasText: answer.verdict.text });
    await verdict.waitFor(WAIT);
    expect(await verdict.textContent()).toBe(answer.verdict.text);
    expect(await verdict.getAttribute('data-complete')).toBe('false');
    await section.locator('table[data-testid="coverage-command-types"]').waitFor(WAIT);
    await section.locator('table[data-testid="coverage-elements"]').waitFor(WAIT);
    await shot('requests-coverage');
    const refused = await adminCall('GET', '/api/v1/dialect/coverage?since=soon');
    expect(refused.status).toBe(400);
    const message = (refused.body.error as { message: string }).message;
    await section.getByLabel('Since').fill('soon');
    await section.locator('button:has-text("Show coverage")').click();
    await section.locator('.error', { hasText: message }).waitFor(WAIT);
    expect(await section.locator('.error').textContent()).toBe(message);
  });

  it('labels every control and shows relative times with the absolute time on hover, on every page', async () => {
    const unlabelled = `[...document.querySelectorAll('input, select, textarea, button')]
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.textContent || '').trim())
      .map((e) => e.outerHTML.slice(0, 80))`;
    for (const hash of ['#/', '#/subscribers', '#/subscribers/alice%40voip.example.net', '#/jobs', '#/templates', '#/certificates', '#/requests']) {
      await go(hash);
      await page.locator('main h1').first().waitFor(WAIT);
      await page.waitForLoadState('networkidle');
      expect({ hash, unlabelled: await page.evaluate<string[]>(unlabelled) }).toEqual({ hash, unlabelled: [] });
    }
    await go('#/subscribers');
    const time = page.locator('tr[data-user="alice@voip.example.net"] time');
    await time.waitFor(WAIT);
    expect(await time.textContent()).toMatch(/ago|just now/);
    expect(new Date((await time.getAttribute('datetime'))!).getTime()).not.toBeNaN();
    expect(await time.getAttribute('title')).toBeTruthy();
  });

  it('logs out; afterwards a mutation with the old session is refused', async () => {
    const [cookie] = await context.cookies();
    const csrf = (await (await request(`${t.adminUrl}/console/session`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } })).body.json()) as {
      csrfToken: string;
    };
    await page.click('button:has-text("Log out")');
    await page.locator('input[name=token]').waitFor(WAIT);
    expect(await context.cookies()).toEqual([]);
    const after = await request(`${t.adminUrl}/api/v1/subscribers/alice%40voip.example.net/resync`, {
      method: 'POST',
      headers: { cookie: `${cookie!.name}=${cookie!.value}`, 'x-csrf-token': csrf.csrfToken, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(after.statusCode).toBe(401);
    await after.body.text();
  });

  it('is usable at 390 px wide and loaded nothing the CSP refused', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const p = await narrow.newPage();
    await p.goto(`${t.adminUrl}/console/`);
    await p.fill('input[name=token]', token);
    await p.click('button:has-text("Log in")');
    await p.locator('h2:has-text("Subscribers")').waitFor(WAIT);
    const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await p.screenshot({ path: path.join(SCREENSHOT_DIR, 'overview-390.png'), fullPage: true });
    await narrow.close();
    expect(cspViolations).toEqual([]);
  });
});
