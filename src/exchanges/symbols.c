/*
 * symbols.c
 *	  One instrument symbol across venues: BTCUSDT (Binance), BTC-USD
 *	  (Coinbase), XXBTZUSD and XBTUSD (Kraken) all become 'BASE/QUOTE' with
 *	  the common asset codes (Kraken's XBT is BTC, XDG is DOGE).
 *
 * USDT stays USDT by default: it is a different asset from USD, it has
 * traded away from 1.00, and an arbitrage detector that silently equated
 * the two would report edges that are really a stablecoin spread.  Callers
 * that accept that risk pass usdt_as_usd => true.
 */
#include "postgres.h"

#include "venue.h"

/* quote assets recognised at the end of a separator-less symbol, longest first */
static const char *const binance_quotes[] = {
	"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "EURI", "DAI", "BTC", "ETH", "BNB", "EUR", "GBP",
	"TRY", "BRL", "AUD", "JPY", "USD", NULL
};
static const char *const kraken_quotes[] = {
	"USDT", "USDC", "XBT", "ETH", "USD", "EUR", "GBP", "CAD", "JPY", "CHF", "AUD", "DAI", NULL
};

static void
bad_symbol(TcVenue v, const char *sym, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot normalise %s symbol \"%s\": %s", tc_venue_name(v), sym, why)));
}

static char *
asset_code(TcVenue v, const char *sym, const char *a, int len)
{
	char	   *s;

	if (len < 1 || len > 12)
		bad_symbol(v, sym, "asset code must have 1 to 12 characters");
	s = pnstrdup(a, len);
	for (char *p = s; *p; p++)
	{
		if (!isalnum((unsigned char) *p))
			bad_symbol(v, sym, "asset codes are letters and digits");
		*p = pg_ascii_toupper((unsigned char) *p);
	}
	if (v == TC_VENUE_KRAKEN && strcmp(s, "XBT") == 0)
		return pstrdup("BTC");
	if (v == TC_VENUE_KRAKEN && strcmp(s, "XDG") == 0)
		return pstrdup("DOGE");
	return s;
}

static bool
split_suffix(const char *s, const char *const *quotes, int *base_len)
{
	int			len = (int) strlen(s);

	for (int i = 0; quotes[i] != NULL; i++)
	{
		int			ql = (int) strlen(quotes[i]);

		if (len > ql && pg_strcasecmp(s + len - ql, quotes[i]) == 0)
		{
			*base_len = len - ql;
			return true;
		}
	}
	return false;
}

char *
tc_normalize_symbol(TcVenue v, const char *venue_symbol, bool usdt_as_usd)
{
	const char *s = venue_symbol;
	const char *sep = NULL;
	char	   *base,
			   *quote;
	int			len = (int) strlen(s);
	int			base_len;

	if (len == 0 || len > 40)
		bad_symbol(v, s, "symbol must have 1 to 40 characters");

	if ((sep = strchr(s, '/')) != NULL ||
		(v == TC_VENUE_COINBASE && (sep = strchr(s, '-')) != NULL))
	{
		base = asset_code(v, s, s, (int) (sep - s));
		quote = asset_code(v, s, sep + 1, (int) strlen(sep + 1));
	}
	else if (v == TC_VENUE_KRAKEN && len == 8 && (s[0] == 'X' || s[0] == 'Z') &&
			 (s[4] == 'X' || s[4] == 'Z'))
	{
		/* legacy pair names: X/Z-prefixed four-letter asset codes, XXBTZUSD */
		base = asset_code(v, s, s + 1, 3);
		quote = asset_code(v, s, s + 5, 3);
	}
	else if (v == TC_VENUE_BINANCE && split_suffix(s, binance_quotes, &base_len))
	{
		base = asset_code(v, s, s, base_len);
		quote = asset_code(v, s, s + base_len, len - base_len);
	}
	else if (v == TC_VENUE_KRAKEN && split_suffix(s, kraken_quotes, &base_len))
	{
		base = asset_code(v, s, s, base_len);
		quote = asset_code(v, s, s + base_len, len - base_len);
	}
	else
	{
		bad_symbol(v, s, v == TC_VENUE_COINBASE ? "expected BASE-QUOTE" :
				   v == TC_VENUE_PAPER ? "expected BASE/QUOTE" :
				   "no known quote asset at its end");
		pg_unreachable();
	}
	if (usdt_as_usd && strcmp(quote, "USDT") == 0)
		quote = "USD";
	return psprintf("%s/%s", base, quote);
}
