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

// an order placed by SQL: through the order router, tradecore.place_order() (a resting limit
// sell on the paper exchange, which emits order.new), once the exchanges work has landed;
// before that, the order.new event the router emits, through tradecore.emit()
const haveRouter = () =>
  psql("SELECT to_regprocedure('tradecore.place_order(bigint,text,text,numeric,numeric,text,text,text,text,bigint)') IS NOT NULL") === 't';

function orderSetup() {
  if (haveRouter()) {
    psql(`INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
          SELECT id, 'BRW/USD', 'BRW/USD', 'BRW', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper'
          ON CONFLICT DO NOTHING`);
    psql(`INSERT INTO tradecore.wallets (name, kind) VALUES ('browser master', 'master') ON CONFLICT (name) DO NOTHING`);
  }
}

function placeOrder(clientId, real) {
  if (real) {
    const id = psql(`SELECT tradecore.place_order((SELECT id FROM tradecore.wallets WHERE name = 'browser master'),
                     'BRW/USD', 'sell', 0.25, 101.5, client_order_id => '${clientId}')`);
    return { key: id, real: true };
  }
  psql(`SELECT tradecore.emit('order.new', jsonb_build_object('order_id', '${clientId}', 'client_order_id', '${clientId}',
        'side', 'buy', 'type', 'limit', 'qty', '0.25', 'price', '101.5', 'status', 'new'))`);
  return { key: clientId, real: false };
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
      // the venue's own side, as the paper market maker's wallet is: known from the snapshot
      psql(`INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('browser venue', 'external', true) ON CONFLICT (name) DO NOTHING`);
    }
    await page.goto(`http://${BRIDGE}/#token=${encodeURIComponent(token('tradecore_viewer'))}`);
    await page.waitForSelector('[data-testid=connection].on', { timeout: 10000 });
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');

    // honest empty states for capabilities with no events
    assert.match(await page.textContent('[data-testid=panel-llm]'), /No LLM usage recorded/);
    assert.match(await page.textContent('[data-testid=panel-goals]'), /No goal events yet/);

    const clientId = `browser-${Date.now()}`;
    orderSetup();
    const real = haveRouter();
    const t0 = Date.now();
    const order = placeOrder(clientId, real);
    await page.waitForSelector(`[data-testid=orders-table] tr[data-order-id="${order.key}"]`, { timeout: 1000 });
    const elapsed = Date.now() - t0;
    console.log(`# order (${order.real ? 'tradecore.place_order' : 'emit order.new'}) visible in the browser ${elapsed} ms after the SQL call`);
    assert.ok(elapsed < 1000);
    const row = await page.textContent(`tr[data-order-id="${order.key}"]`);
    assert.match(row, new RegExp(clientId));
    assert.match(row, order.real ? /open/ : /0\.25/);

    if (real && haveWallets) {
      // the venue's own orders (an external wallet, like the simulated market maker's, which
      // quotes every step) are hidden until asked for, so they do not push the agents' off
      const venue = psql(`SELECT tradecore.place_order((SELECT id FROM tradecore.wallets WHERE name = 'browser venue'),
                          'BRW/USD', 'sell', 0.5, 102.5, client_order_id => 'venue-${clientId}')`);
      const own = placeOrder(`${clientId}-2`, true);
      await page.waitForSelector(`[data-testid=orders-table] tr[data-order-id="${own.key}"]`, { timeout: 1000 });
      assert.equal(await page.$(`tr[data-order-id="${venue}"]`), null, 'the venue\'s order is hidden');
      assert.match(await page.textContent('[data-testid=panel-orders]'), /1 hidden/);
      await page.click('[data-testid=show-venue]');
      await page.waitForSelector(`tr[data-order-id="${venue}"]`, { timeout: 1000 });
      await page.click('[data-testid=show-venue]');
      await page.waitForSelector(`tr[data-order-id="${venue}"]`, { state: 'detached', timeout: 1000 });
    }

    if (haveWallets) {
      const wallets = await page.textContent('[data-testid=panel-wallets]');
      assert.match(wallets, /browser master/);
      assert.match(wallets, / {2}browser farm/, 'the farm is shown under its master');

      // a balance event carries the leg ("amount") and the new balance ("balance"): the panel
      // shows the balance.  Two transfers, so that the last leg (25) differs from it (before + 125).
      psql(`INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('browser outside', 'external', true) ON CONFLICT (name) DO NOTHING`);
      const before = Number(psql(`SELECT coalesce(sum(b.amount), 0) FROM tradecore.wallet_balances b
                                    JOIN tradecore.wallets w ON w.id = b.wallet_id
                                   WHERE w.name = 'browser master' AND b.asset = 'USD'`));
      psql(`SELECT tradecore.transfer((SELECT id FROM tradecore.wallets WHERE name = 'browser outside'),
                                      (SELECT id FROM tradecore.wallets WHERE name = 'browser master'), 'USD', 100, 'browser funding 1');
            SELECT tradecore.transfer((SELECT id FROM tradecore.wallets WHERE name = 'browser outside'),
                                      (SELECT id FROM tradecore.wallets WHERE name = 'browser master'), 'USD', 25, 'browser funding 2')`);
      const want = String(before + 125);
      const shown = await page.waitForFunction((w) => {
        const row = [...document.querySelectorAll('[data-testid=panel-wallets] tr')]
          .find((tr) => tr.textContent.includes('browser master') && tr.textContent.includes('USD'));
        return row && row.textContent.includes(w) ? row.textContent : false;
      }, want, { timeout: 2000 }).then((h) => h.jsonValue()).catch(async () =>
        [...(await page.$$eval('[data-testid=panel-wallets] tr', (trs) => trs.map((t) => t.textContent)))].join(' | '));
      assert.ok(String(shown).includes(want), `wallet panel shows the balance ${want}, not the last leg: ${shown}`);
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
