// The dashboard in a real browser: Debian's Chromium, driven headless by playwright-core
// (which never downloads a browser of its own).  It opens the dashboard served by the
// bridge, sees an order placed by SQL appear within a second, checks the honest empty
// states, and saves a screenshot under test/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BRIDGE, token, psql } from './lib.mjs';

const artifacts = path.resolve(process.env.TRADECORE_ROOT || '.', 'test/artifacts');

// an order "placed by SQL": a real INSERT into tradecore.orders once the schema has landed
// (its trigger emits order.new); until then the contract's emit() call the trading code makes
function placeOrder(clientId) {
  const hasOrders = psql("SELECT to_regclass('tradecore.orders') IS NOT NULL") === 't';
  if (hasOrders && process.env.TRADECORE_BROWSER_REAL_ORDERS === '1') {
    return psql(`INSERT INTO tradecore.orders (client_order_id, side, type, time_in_force, qty, price, status)
                 VALUES ('${clientId}', 'buy', 'limit', 'gtc', 0.25, 101.5, 'new') RETURNING id`);
  }
  return psql(`SELECT tradecore.emit('order.new', jsonb_build_object('order_id', '${clientId}', 'client_order_id', '${clientId}',
               'side', 'buy', 'type', 'limit', 'qty', '0.25', 'price', '101.5', 'status', 'new'))`);
}

test('dashboard shows an order placed by SQL within a second', { timeout: 60000 }, async () => {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tradecore-chromium-'));
  // a fresh profile directory (playwright passes it as --user-data-dir)
  const browser = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    // a wallet hierarchy in the tables (the snapshot carries it, read as the viewer role)
    const haveWallets = psql("SELECT to_regclass('tradecore.wallets') IS NOT NULL") === 't';
    if (haveWallets) {
      psql(`INSERT INTO tradecore.wallets (name, kind) VALUES ('browser master', 'master') ON CONFLICT (name) DO NOTHING`);
      psql(`INSERT INTO tradecore.wallets (name, kind, parent_id)
            SELECT 'browser farm', 'farm', id FROM tradecore.wallets WHERE name = 'browser master' ON CONFLICT (name) DO NOTHING`);
    }
    await page.goto(`http://${BRIDGE}/#token=${encodeURIComponent(token('tradecore_viewer'))}`);
    await page.waitForSelector('[data-testid=connection].on', { timeout: 10000 });
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');

    // honest empty states for capabilities with no events
    assert.match(await page.textContent('[data-testid=panel-llm]'), /No LLM usage recorded/);
    assert.match(await page.textContent('[data-testid=panel-goals]'), /No goal events yet/);

    const clientId = `browser-${Date.now()}`;
    const t0 = Date.now();
    placeOrder(clientId);
    await page.waitForSelector(`[data-testid=orders-table] tr[data-order-id="${clientId}"]`, { timeout: 1000 });
    const elapsed = Date.now() - t0;
    console.log(`# order visible in the browser ${elapsed} ms after the SQL call returned`);
    assert.ok(elapsed < 1000);
    const row = await page.textContent(`tr[data-order-id="${clientId}"]`);
    assert.match(row, /buy/);
    assert.match(row, /0\.25/);

    if (haveWallets) {
      const wallets = await page.textContent('[data-testid=panel-wallets]');
      assert.match(wallets, /browser master/);
      assert.match(wallets, / {2}browser farm/, 'the farm is shown under its master');
    }

    // the other panels fill from their events
    psql(`SELECT tradecore.emit('signal', '{"strategy_id": 7, "symbol": "ETH/USD", "direction": 1, "strength": 0.8, "confidence": 0.7}');
          SELECT tradecore.emit('fill', '{"order_id": "f-1", "qty": "0.1", "price": "99.5", "fee": "0.01", "fee_asset": "USD"}');
          SELECT tradecore.emit('alert', '{"severity": "critical", "kind": "drawdown", "message": "browser drawdown alert"}');
          SELECT tradecore.emit('run.started', '{"run_id": "browser-run", "thread_id": "strategy-7"}');
          SELECT tradecore.emit('agent.message', '{"role": "assistant", "content": "browser says hello"}')`);
    await page.waitForFunction(() => document.querySelector('[data-testid=panel-agents]').textContent.includes('browser says hello'), null, { timeout: 2000 });
    assert.match(await page.textContent('[data-testid=panel-signals]'), /ETH\/USD/);
    assert.match(await page.textContent('[data-testid=fills-table]'), /99\.5/);
    assert.match(await page.textContent('[data-testid=panel-risk]'), /browser drawdown alert/);
    assert.match(await page.textContent('[data-testid=panel-agents]'), /browser-run/);

    // a price tick draws the chart
    psql("SELECT tradecore.emit('tick', jsonb_build_object('symbol', 'BTC/USD', 'last', '101.4'))");
    await page.waitForSelector('[data-testid=price-chart] canvas', { timeout: 2000 });

    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no script errors in the page');
  } finally {
    await browser.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
});
