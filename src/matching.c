/*
 * matching.c
 *	  Price-time priority limit order book: limit and market orders, GTC,
 *	  IOC, FOK and post-only, cancel, partial fills, maker/taker fees.
 *
 * Layout, chosen for the hot path:
 *	- each side is an array of price levels sorted so that the best level is
 *	  the last element: taking the best level, or adding/removing near the
 *	  top of the book (where nearly all activity is), touches only the tail;
 *	- each level is a FIFO doubly linked list of orders (time priority),
 *	  linked by int32 indexes into one order pool with a free list;
 *	- an open-addressing hash (linear probing, backward-shift deletion) maps
 *	  order ids to pool slots for O(1) cancels.
 * Everything is integers; the only allocations are amortised array growth
 * in the book's own memory context.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "matching.h"

#define NIL (-1)

typedef struct Order
{
	int64		id;
	int64		price;
	int64		left;
	int32		next;
	int32		prev;
	uint8		side;
} Order;

typedef struct Level
{
	int64		price;
	int64		qty;
	int32		head;
	int32		tail;
	int32		count;
} Level;

typedef struct Side
{
	Level	   *lv;				/* sorted, best last */
	int			n;
	int			cap;
} Side;

struct TcBook
{
	MemoryContext cxt;
	Side		sides[2];
	Order	   *pool;
	int32		pool_cap;
	int32		pool_used;		/* slots ever handed out */
	int32		free_head;
	int64		resting;
	/* id -> pool index */
	int64	   *hkeys;
	int32	   *hvals;
	uint32		hmask;
	uint32		hcount;
	/* fills of the last submit */
	TcFill	   *fills;
	int			nfills;
	int			fills_cap;
	int64		maker_ppm;
	int64		taker_ppm;
};

/* ---- id hash ---- */

static inline uint32
hash_id(int64 id)
{
	uint64		h = (uint64) id * UINT64CONST(0x9E3779B97F4A7C15);

	return (uint32) (h >> 32);
}

#define HEMPTY PG_INT64_MIN

static void
hash_init(TcBook *b, uint32 size)
{
	b->hkeys = MemoryContextAllocHuge(b->cxt, sizeof(int64) * size);
	b->hvals = MemoryContextAllocHuge(b->cxt, sizeof(int32) * size);
	for (uint32 i = 0; i < size; i++)
		b->hkeys[i] = HEMPTY;
	b->hmask = size - 1;
	b->hcount = 0;
}

static void hash_put(TcBook *b, int64 id, int32 val);

static void
hash_grow(TcBook *b)
{
	int64	   *ok = b->hkeys;
	int32	   *ov = b->hvals;
	uint32		osize = b->hmask + 1;

	hash_init(b, osize * 2);
	for (uint32 i = 0; i < osize; i++)
		if (ok[i] != HEMPTY)
			hash_put(b, ok[i], ov[i]);
	pfree(ok);
	pfree(ov);
}

static void
hash_put(TcBook *b, int64 id, int32 val)
{
	uint32		i;

	if ((b->hcount + 1) * 2 > b->hmask + 1)
		hash_grow(b);
	i = hash_id(id) & b->hmask;
	while (b->hkeys[i] != HEMPTY)
		i = (i + 1) & b->hmask;
	b->hkeys[i] = id;
	b->hvals[i] = val;
	b->hcount++;
}

static inline int32
hash_get_slot(TcBook *b, int64 id)
{
	uint32		i = hash_id(id) & b->hmask;

	while (b->hkeys[i] != HEMPTY)
	{
		if (b->hkeys[i] == id)
			return (int32) i;
		i = (i + 1) & b->hmask;
	}
	return NIL;
}

/* backward-shift deletion keeps probe chains intact without tombstones */
static void
hash_del_slot(TcBook *b, uint32 i)
{
	uint32		j = i;

	for (;;)
	{
		uint32		k;

		j = (j + 1) & b->hmask;
		if (b->hkeys[j] == HEMPTY)
			break;
		k = hash_id(b->hkeys[j]) & b->hmask;
		/* move j back to i unless its home k lies cyclically in (i, j] */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		b->hkeys[i] = b->hkeys[j];
		b->hvals[i] = b->hvals[j];
		i = j;
	}
	b->hkeys[i] = HEMPTY;
	b->hcount--;
}

static inline void
hash_del(TcBook *b, int64 id)
{
	int32		s = hash_get_slot(b, id);

	if (s != NIL)
		hash_del_slot(b, (uint32) s);
}

/* ---- pool ---- */

static int32
order_alloc(TcBook *b)
{
	int32		o;

	if (b->free_head != NIL)
	{
		o = b->free_head;
		b->free_head = b->pool[o].next;
		return o;
	}
	if (b->pool_used == b->pool_cap)
	{
		if (b->pool_cap >= PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("order book holds too many resting orders")));
		b->pool_cap *= 2;
		b->pool = repalloc_huge(b->pool, sizeof(Order) * b->pool_cap);
	}
	return b->pool_used++;
}

static inline void
order_free(TcBook *b, int32 o)
{
	b->pool[o].next = b->free_head;
	b->free_head = o;
}

/* ---- levels ---- */

/*
 * Position of price in a side (sorted best last): bids ascend, asks descend.
 * Returns the index of the level with that price, or -(insertion point) - 1.
 */
static int
level_find(Side *s, TcSide side, int64 price)
{
	int			lo = 0,
				hi = s->n - 1;

	/* fast path: at or beyond the best */
	if (s->n > 0 && s->lv[s->n - 1].price == price)
		return s->n - 1;
	while (lo <= hi)
	{
		int			mid = (lo + hi) >> 1;
		int64		p = s->lv[mid].price;
		bool		before = (side == TC_BUY) ? (p < price) : (p > price);

		if (p == price)
			return mid;
		if (before)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static Level *
level_insert(TcBook *b, Side *s, int pos, int64 price)
{
	if (s->n == s->cap)
	{
		s->cap *= 2;
		s->lv = repalloc_huge(s->lv, sizeof(Level) * s->cap);
	}
	if (pos < s->n)
		memmove(&s->lv[pos + 1], &s->lv[pos], sizeof(Level) * (s->n - pos));
	s->n++;
	s->lv[pos].price = price;
	s->lv[pos].qty = 0;
	s->lv[pos].head = s->lv[pos].tail = NIL;
	s->lv[pos].count = 0;
	return &s->lv[pos];
}

static void
level_remove(Side *s, int pos)
{
	if (pos < s->n - 1)
		memmove(&s->lv[pos], &s->lv[pos + 1], sizeof(Level) * (s->n - pos - 1));
	s->n--;
}

static void
rest(TcBook *b, int64 id, TcSide side, int64 price, int64 left)
{
	Side	   *s = &b->sides[side];
	int			pos = level_find(s, side, price);
	Level	   *l;
	int32		o = order_alloc(b);
	Order	   *op = &b->pool[o];

	l = (pos >= 0) ? &s->lv[pos] : level_insert(b, s, -pos - 1, price);
	op->id = id;
	op->price = price;
	op->left = left;
	op->side = (uint8) side;
	op->next = NIL;
	op->prev = l->tail;
	if (l->tail != NIL)
		b->pool[l->tail].next = o;
	else
		l->head = o;
	l->tail = o;
	l->count++;
	l->qty += left;
	hash_put(b, id, o);
	b->resting++;
}

/* ---- fees ---- */

static inline int64
fee_of(int64 price, int64 qty, int64 ppm)
{
	__int128	n = (__int128) price * qty * ppm;
	__int128	q = n / 1000000;

	if (n > 0 && n % 1000000 != 0)
		q++;
	if (q > PG_INT64_MAX || q < PG_INT64_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("fee of a fill is out of range")));
	return (int64) q;
}

static inline void
add_fill(TcBook *b, int64 taker, const Order *maker, int64 price, int64 qty)
{
	TcFill	   *f;

	if (b->nfills == b->fills_cap)
	{
		b->fills_cap *= 2;
		b->fills = repalloc_huge(b->fills, sizeof(TcFill) * b->fills_cap);
	}
	f = &b->fills[b->nfills++];
	f->taker_id = taker;
	f->maker_id = maker->id;
	f->price = price;
	f->qty = qty;
	f->maker_left = maker->left;
	f->taker_fee = fee_of(price, qty, b->taker_ppm);
	f->maker_fee = fee_of(price, qty, b->maker_ppm);
}

/* ---- public API ---- */

TcBook *
tc_book_create(MemoryContext parent, int64 maker_fee_ppm, int64 taker_fee_ppm)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "tradecore order book",
											  ALLOCSET_DEFAULT_SIZES);
	TcBook	   *b = MemoryContextAllocZero(cxt, sizeof(TcBook));

	b->cxt = cxt;
	for (int s = 0; s < 2; s++)
	{
		b->sides[s].cap = 256;
		b->sides[s].lv = MemoryContextAlloc(cxt, sizeof(Level) * 256);
	}
	b->pool_cap = 1024;
	b->pool = MemoryContextAlloc(cxt, sizeof(Order) * b->pool_cap);
	b->free_head = NIL;
	hash_init(b, 2048);
	b->fills_cap = 64;
	b->fills = MemoryContextAlloc(cxt, sizeof(TcFill) * b->fills_cap);
	b->maker_ppm = maker_fee_ppm;
	b->taker_ppm = taker_fee_ppm;
	return b;
}

void
tc_book_destroy(TcBook *b)
{
	MemoryContextDelete(b->cxt);
}

const TcFill *
tc_book_fills(TcBook *b)
{
	return b->fills;
}

static inline bool
crosses(TcSide taker_side, int64 limit, int64 maker_price)
{
	return taker_side == TC_BUY ? maker_price <= limit : maker_price >= limit;
}

/* lots available against a taker up to its limit, stopping once need is met */
static int64
available(TcBook *b, TcSide taker_side, bool has_limit, int64 limit, int64 need)
{
	Side	   *opp = &b->sides[1 - taker_side];
	int64		sum = 0;

	for (int i = opp->n - 1; i >= 0 && sum < need; i--)
	{
		if (has_limit && !crosses(taker_side, limit, opp->lv[i].price))
			break;
		sum += opp->lv[i].qty;
	}
	return sum;
}

void
tc_book_submit(TcBook *b, const TcOrderReq *req, TcSubmitResult *res)
{
	Side	   *opp = &b->sides[1 - req->side];
	bool		has_limit = (req->type == TC_LIMIT);
	int64		left = req->qty;

	b->nfills = 0;
	res->filled = 0;
	res->left = 0;
	res->nfills = 0;

	/* a market order cannot be post-only: it exists to take liquidity */
	if (req->qty <= 0 || (has_limit && req->price <= 0) ||
		(req->type == TC_MARKET && req->tif == TC_POST_ONLY))
	{
		res->outcome = TC_OUT_REJECTED_INVALID;
		return;
	}
	if (hash_get_slot(b, req->id) != NIL)
	{
		res->outcome = TC_OUT_REJECTED_DUPLICATE;
		return;
	}
	if (req->tif == TC_POST_ONLY && opp->n > 0 &&
		crosses(req->side, req->price, opp->lv[opp->n - 1].price))
	{
		res->outcome = TC_OUT_REJECTED_POST_ONLY;
		return;
	}
	if (req->tif == TC_FOK && available(b, req->side, has_limit, req->price, left) < left)
	{
		res->outcome = TC_OUT_REJECTED_FOK;
		return;
	}

	while (left > 0 && opp->n > 0)
	{
		Level	   *l = &opp->lv[opp->n - 1];

		if (has_limit && !crosses(req->side, req->price, l->price))
			break;
		while (left > 0 && l->head != NIL)
		{
			int32		o = l->head;
			Order	   *m = &b->pool[o];
			int64		q = Min(left, m->left);

			m->left -= q;
			l->qty -= q;
			left -= q;
			add_fill(b, req->id, m, l->price, q);
			if (m->left == 0)
			{
				l->head = m->next;
				if (l->head != NIL)
					b->pool[l->head].prev = NIL;
				else
					l->tail = NIL;
				l->count--;
				hash_del(b, m->id);
				order_free(b, o);
				b->resting--;
			}
		}
		if (l->head == NIL)
			opp->n--;			/* the best level is the last one */
	}

	res->filled = req->qty - left;
	res->nfills = b->nfills;
	if (left == 0)
		res->outcome = TC_OUT_FILLED;
	else if (req->type == TC_MARKET || req->tif == TC_IOC || req->tif == TC_FOK)
		res->outcome = TC_OUT_CANCELED;
	else
	{
		rest(b, req->id, req->side, req->price, left);
		res->left = left;
		res->outcome = res->filled > 0 ? TC_OUT_PARTIAL_RESTING : TC_OUT_RESTING;
	}
}

bool
tc_book_cancel(TcBook *b, int64 id, int64 *left)
{
	int32		slot = hash_get_slot(b, id);
	int32		o;
	Order	   *op;
	Side	   *s;
	int			pos;
	Level	   *l;

	if (slot == NIL)
		return false;
	o = b->hvals[slot];
	op = &b->pool[o];
	s = &b->sides[op->side];
	pos = level_find(s, (TcSide) op->side, op->price);
	Assert(pos >= 0);
	l = &s->lv[pos];
	if (op->prev != NIL)
		b->pool[op->prev].next = op->next;
	else
		l->head = op->next;
	if (op->next != NIL)
		b->pool[op->next].prev = op->prev;
	else
		l->tail = op->prev;
	l->count--;
	l->qty -= op->left;
	if (left)
		*left = op->left;
	if (l->count == 0)
		level_remove(s, pos);
	hash_del_slot(b, (uint32) slot);
	order_free(b, o);
	b->resting--;
	return true;
}

bool
tc_book_restore(TcBook *b, int64 id, TcSide side, int64 price, int64 left)
{
	if (left <= 0 || price <= 0 || hash_get_slot(b, id) != NIL)
		return false;
	rest(b, id, side, price, left);
	return true;
}

bool
tc_book_best(TcBook *b, TcSide side, int64 *price, int64 *qty)
{
	Side	   *s = &b->sides[side];

	if (s->n == 0)
		return false;
	*price = s->lv[s->n - 1].price;
	*qty = s->lv[s->n - 1].qty;
	return true;
}

int
tc_book_levels(TcBook *b, TcSide side)
{
	return b->sides[side].n;
}

int64
tc_book_orders(TcBook *b)
{
	return b->resting;
}

bool
tc_book_level(TcBook *b, TcSide side, int level, int64 *price, int64 *qty, int *count)
{
	Side	   *s = &b->sides[side];

	if (level < 0 || level >= s->n)
		return false;
	*price = s->lv[s->n - 1 - level].price;
	*qty = s->lv[s->n - 1 - level].qty;
	*count = s->lv[s->n - 1 - level].count;
	return true;
}
