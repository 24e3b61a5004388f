-- Schema shape: every table of the data model exists, the contract columns of
-- docs/schema-contract.md exist with their types, and every table, view and column is commented.
BEGIN;
SELECT plan(70);

SELECT has_table('tradecore', t, 'table tradecore.' || t || ' exists')
  FROM unnest(ARRAY[
    'settings', 'audit_log', 'events',
    'exchanges', 'exchange_credentials', 'exchange_status', 'exchange_errors',
    'instruments', 'market_ticks', 'order_book_snapshots', 'candles', 'arbitrage_opportunities',
    'autonomous_agents', 'agent_performance', 'agent_communications', 'decision_contexts',
    'decision_consensus', 'agent_votes',
    'assets', 'wallets', 'master_wallets', 'wallet_hierarchies', 'wallet_balances',
    'wallet_transactions', 'ledger_entries', 'fund_allocations', 'wallet_performance_metrics',
    'trading_strategies', 'strategy_parameters', 'trading_signals', 'orders', 'order_events',
    'fills', 'trading_positions', 'portfolio_allocations', 'strategy_performance',
    'llm_providers', 'llm_requests', 'llm_conversations', 'llm_messages', 'llm_performance_metrics',
    'risk_limits', 'risk_metrics', 'risk_alerts', 'stress_scenarios', 'stress_test_results',
    'circuit_breakers', 'goals', 'goal_progress']) AS t;

SELECT cmp_ok((SELECT count(*) FROM pg_class WHERE relnamespace = 'tradecore'::regnamespace
                AND relkind IN ('r', 'p') AND NOT relispartition), '>=', 40::bigint,
              'at least 40 tables (partitions not counted)');

-- Every column docs/schema-contract.md names, with its type where the contract fixes it.
SELECT is(
  (SELECT array_agg(c.t || '.' || c.col || ' ' || coalesce(c.typ, '') ORDER BY c.t, c.col)
     FROM (VALUES
       ('exchanges','id','integer'), ('exchanges','code','text'), ('exchanges','name','text'), ('exchanges','kind','text'),
       ('exchanges','base_url','text'), ('exchanges','enabled','boolean'), ('exchanges','maker_fee_bps','numeric'),
       ('exchanges','taker_fee_bps','numeric'), ('exchanges','withdrawal_fee_bps','numeric'),
       ('exchanges','rate_limit_per_sec','integer'), ('exchanges','created_at','timestamp with time zone'),
       ('instruments','id','bigint'), ('instruments','exchange_id','integer'), ('instruments','symbol','text'),
       ('instruments','venue_symbol','text'), ('instruments','base_asset','text'), ('instruments','quote_asset','text'),
       ('instruments','tick_size','numeric'), ('instruments','lot_size','numeric'), ('instruments','active','boolean'),
       ('market_ticks','id','bigint'), ('market_ticks','instrument_id','bigint'), ('market_ticks','exchange_id','integer'),
       ('market_ticks','ts','timestamp with time zone'), ('market_ticks','bid','numeric'), ('market_ticks','ask','numeric'),
       ('market_ticks','last','numeric'), ('market_ticks','volume','numeric'),
       ('order_book_snapshots','id','bigint'), ('order_book_snapshots','instrument_id','bigint'),
       ('order_book_snapshots','exchange_id','integer'), ('order_book_snapshots','ts','timestamp with time zone'),
       ('order_book_snapshots','bids','jsonb'), ('order_book_snapshots','asks','jsonb'),
       ('candles','instrument_id','bigint'), ('candles','exchange_id','integer'), ('candles','interval','interval'),
       ('candles','ts','timestamp with time zone'), ('candles','open','numeric'), ('candles','high','numeric'),
       ('candles','low','numeric'), ('candles','close','numeric'), ('candles','volume','numeric'),
       ('arbitrage_opportunities','id','bigint'), ('arbitrage_opportunities','ts','timestamp with time zone'),
       ('arbitrage_opportunities','symbol','text'), ('arbitrage_opportunities','buy_exchange_id','integer'),
       ('arbitrage_opportunities','sell_exchange_id','integer'), ('arbitrage_opportunities','buy_price','numeric'),
       ('arbitrage_opportunities','sell_price','numeric'), ('arbitrage_opportunities','qty','numeric'),
       ('arbitrage_opportunities','net_edge_bps','double precision'), ('arbitrage_opportunities','details','jsonb'),
       ('exchange_status','exchange_id','integer'), ('exchange_status','state','text'),
       ('exchange_status','last_ok_at','timestamp with time zone'), ('exchange_status','last_error_at','timestamp with time zone'),
       ('exchange_status','consecutive_failures','integer'), ('exchange_status','updated_at','timestamp with time zone'),
       ('exchange_errors','id','bigint'), ('exchange_errors','exchange_id','integer'), ('exchange_errors','ts','timestamp with time zone'),
       ('exchange_errors','kind','text'), ('exchange_errors','http_status','integer'), ('exchange_errors','message','text'),
       ('exchange_errors','details','jsonb'),
       ('trading_strategies','id','bigint'), ('trading_strategies','name','text'), ('trading_strategies','kind','text'),
       ('trading_strategies','active','boolean'), ('trading_strategies','agent_id','bigint'), ('trading_strategies','wallet_id','bigint'),
       ('trading_strategies','params','jsonb'), ('trading_strategies','instrument_ids','bigint[]'),
       ('trading_strategies','created_at','timestamp with time zone'),
       ('strategy_parameters','strategy_id','bigint'), ('strategy_parameters','name','text'), ('strategy_parameters','value','jsonb'),
       ('trading_signals','id','bigint'), ('trading_signals','ts','timestamp with time zone'), ('trading_signals','strategy_id','bigint'),
       ('trading_signals','instrument_id','bigint'), ('trading_signals','agent_id','bigint'), ('trading_signals','direction','smallint'),
       ('trading_signals','strength','double precision'), ('trading_signals','confidence','double precision'),
       ('trading_signals','size','numeric'), ('trading_signals','reason','jsonb'), ('trading_signals','run_id','bigint'),
       ('orders','id','bigint'), ('orders','client_order_id','text'), ('orders','agent_id','bigint'), ('orders','wallet_id','bigint'),
       ('orders','instrument_id','bigint'), ('orders','exchange_id','integer'), ('orders','side','text'), ('orders','type','text'),
       ('orders','time_in_force','text'), ('orders','price','numeric'), ('orders','qty','numeric'), ('orders','filled_qty','numeric'),
       ('orders','avg_fill_price','numeric'), ('orders','status','text'), ('orders','venue_order_id','text'),
       ('orders','reject_reason','text'), ('orders','ts','timestamp with time zone'), ('orders','updated_at','timestamp with time zone'),
       ('order_events','id','bigint'), ('order_events','order_id','bigint'), ('order_events','ts','timestamp with time zone'),
       ('order_events','kind','text'), ('order_events','details','jsonb'),
       ('fills','id','bigint'), ('fills','order_id','bigint'), ('fills','instrument_id','bigint'), ('fills','wallet_id','bigint'),
       ('fills','agent_id','bigint'), ('fills','ts','timestamp with time zone'), ('fills','price','numeric'), ('fills','qty','numeric'),
       ('fills','fee','numeric'), ('fills','fee_asset','text'), ('fills','liquidity','text'),
       ('trading_positions','wallet_id','bigint'), ('trading_positions','instrument_id','bigint'), ('trading_positions','agent_id','bigint'),
       ('trading_positions','qty','numeric'), ('trading_positions','avg_price','numeric'), ('trading_positions','realized_pnl','numeric'),
       ('trading_positions','updated_at','timestamp with time zone'),
       ('wallets','id','bigint'), ('wallets','name','text'), ('wallets','kind','text'), ('wallets','parent_id','bigint'),
       ('wallets','agent_id','bigint'), ('wallets','allow_credit','boolean'),
       ('wallet_balances','wallet_id','bigint'), ('wallet_balances','asset','text'), ('wallet_balances','amount','numeric'),
       ('autonomous_agents','id','bigint'), ('autonomous_agents','name','text'), ('autonomous_agents','role_name','name'),
       ('autonomous_agents','wallet_id','bigint'), ('autonomous_agents','status','text'),
       ('risk_limits','id','bigint'), ('risk_limits','scope','text'), ('risk_limits','scope_id','bigint'), ('risk_limits','kind','text'),
       ('risk_limits','limit_value','numeric'), ('risk_limits','active','boolean'),
       ('risk_alerts','id','bigint'), ('risk_alerts','ts','timestamp with time zone'), ('risk_alerts','severity','text'),
       ('risk_alerts','kind','text'), ('risk_alerts','message','text'), ('risk_alerts','details','jsonb'),
       ('events','id','bigint'), ('events','ts','timestamp with time zone'), ('events','type','text'), ('events','topic','text'),
       ('events','agent_id','bigint'), ('events','wallet_id','bigint'), ('events','payload','jsonb')
     ) AS c(t, col, typ)
    WHERE NOT EXISTS (
        SELECT 1 FROM pg_attribute a
         WHERE a.attrelid = format('tradecore.%I', c.t)::regclass AND a.attname = c.col
           AND NOT a.attisdropped AND format_type(a.atttypid, a.atttypmod) = c.typ)),
  NULL,
  'every contract column exists with the contract type');

SELECT col_is_pk('tradecore', 'candles', ARRAY['instrument_id', 'interval', 'ts'], 'candles PK (instrument_id, interval, ts)');
SELECT is((SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'tradecore.candles'::regclass), 'r',
          'candles is partitioned by range');
SELECT is((SELECT count(*) FROM pg_inherits WHERE inhparent = 'tradecore.candles'::regclass), 1::bigint,
          'candles starts with one (default) partition');
SELECT has_function('tradecore', 'emit', ARRAY['text', 'jsonb'], 'tradecore.emit(text, jsonb)');
SELECT has_function('tradecore', 'transfer', ARRAY['bigint', 'bigint', 'text', 'numeric', 'text'],
                    'tradecore.transfer(bigint, bigint, text, numeric, text)');
SELECT function_returns('tradecore', 'transfer', ARRAY['bigint', 'bigint', 'text', 'numeric', 'text'], 'bigint',
                        'transfer returns the wallet_transactions id');
SELECT is((SELECT code FROM tradecore.exchanges WHERE kind = 'paper'), 'paper', 'the paper exchange is installed');

-- Indexes for the hot paths
SELECT has_index('tradecore', 'market_ticks', 'market_ticks_instrument_ts_idx', ARRAY['instrument_id', 'ts'],
                 'latest tick per instrument');
SELECT has_index('tradecore', 'orders', 'orders_open_by_agent_idx', ARRAY['agent_id', 'ts'], 'open orders per agent');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'tradecore.orders_open_by_agent_idx'::regclass),
          '(status = ANY (ARRAY[''new''::text, ''open''::text, ''partially_filled''::text]))', 'and only open orders are in it');
SELECT col_is_pk('tradecore', 'trading_positions', ARRAY['wallet_id', 'instrument_id'], 'positions per wallet');
SELECT col_is_pk('tradecore', 'events', 'id', 'events after an id');
SELECT has_index('tradecore', 'ledger_entries', 'ledger_entries_wallet_idx', ARRAY['wallet_id', 'asset', 'id'], 'legs per wallet');
SELECT has_index('tradecore', 'trading_signals', 'trading_signals_strategy_ts_idx', ARRAY['strategy_id', 'ts'], 'latest signals per strategy');

-- Comments everywhere: tables, views and every column of them.
SELECT is(
  (SELECT array_agg(c.relname ORDER BY c.relname) FROM pg_class c
    WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind IN ('r', 'p', 'v')
      AND obj_description(c.oid, 'pg_class') IS NULL),
  NULL, 'every table and view has a COMMENT');
SELECT is(
  (SELECT array_agg(c.relname || '.' || a.attname ORDER BY c.relname, a.attnum) FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
      AND col_description(c.oid, a.attnum) IS NULL),
  NULL, 'every column of every table and view has a COMMENT');
SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
    WHERE p.pronamespace = 'tradecore'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL),
  NULL, 'every function has a COMMENT');

-- Money is numeric; SECURITY DEFINER functions fix their search_path.
SELECT is(
  (SELECT array_agg(c.relname || '.' || a.attname ORDER BY 1) FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind IN ('r', 'p')
      AND a.attname IN ('amount', 'qty', 'price', 'fee', 'filled_qty', 'limit_value', 'bid', 'ask', 'last', 'pnl', 'equity')
      AND a.atttypid <> 'numeric'::regtype),
  NULL, 'amounts, quantities and prices are numeric');
SELECT is(
  (SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
    WHERE p.pronamespace = 'tradecore'::regnamespace AND p.prosecdef
      AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%')),
  NULL, 'every SECURITY DEFINER function sets a fixed search_path');

SELECT * FROM finish();
ROLLBACK;
