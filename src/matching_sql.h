/*
 * matching_sql.h
 *	  numeric <-> integer tick/lot conversions and enum names shared by the
 *	  SQL face of the matching engine and the paper exchange.
 */
#ifndef TRADECORE_MATCHING_SQL_H
#define TRADECORE_MATCHING_SQL_H

#include "postgres.h"

#include "utils/numeric.h"

#include "matching.h"

extern int64 tc_numeric_to_units(Numeric value, Numeric unit, const char *what);
extern Numeric tc_units_to_numeric(int64 units, Numeric unit);
extern int64 tc_fee_bps_to_ppm(Numeric bps);
extern Numeric tc_fee_units_to_numeric(int64 units, Numeric tick, Numeric lot);
extern const char *tc_outcome_name(TcOutcome o);
extern bool tc_parse_side(const char *s, TcSide *side);
extern bool tc_parse_type(const char *s, TcOrderType *type);
extern bool tc_parse_tif(const char *s, TcTif *tif);

#endif							/* TRADECORE_MATCHING_SQL_H */
