"""The analytics computed the slow, obvious way, in plain Python over the corpus rows, without any
engine: the expected values of the corpus tests. Written from docs/analytics.md, not from
search/analytics, so that the two can disagree."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

from indexer.derive import normalize_ticker
from indexer.pipeline import prepare

MAX_BYTES = 20 * 1024 * 1024
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


class Corpus(list):
    """Every transaction row of the corpus, with amendments' supersession applied; `filings` holds
    the filing documents."""

    def __init__(self, sources):
        parsed = [prepare(s.name, s.data, MAX_BYTES, {}) for s in sources]
        ok = [(result[1], result[2]) for result in parsed if result[0] == "ok"]
        # In each (link_key, table), the latest amendment with rows there counts; the rest do not.
        latest: dict = {}
        for filing, rows in ok:
            if filing["documentType"].endswith("/A"):
                for row in rows:
                    if row.get("link_key"):
                        group, rank = (row["link_key"], row["table"]), (row.get("filed_at") or "", row["accession_no"])
                        latest[group] = max(latest.get(group, rank), rank)
        super().__init__({**row, "superseded": (row.get("link_key"), row["table"]) in latest
                          and latest[(row.get("link_key"), row["table"])][1] != row["accession_no"]}
                         for _, rows in ok for row in rows)
        self.filings = [filing for filing, _ in ok]


def filed(row) -> datetime | None:
    return datetime.fromisoformat(row["filed_at"]) if row.get("filed_at") else None


def traded(row) -> date | None:
    return date.fromisoformat(row["transaction_date"]) if row.get("transaction_date") else None


def select(rows, now: datetime, *, filed_at_days=None, transaction_days=None, issuer_cik=None, sector=None,
           industry=None, min_value=None, max_value=None, codes=(), side=None, is_officer=None,
           is_director=None, is_ten_percent_owner=None, is_csuite=None, exclude_10b5_1=False,
           exclude_cashless=False) -> list[dict]:
    out = []
    for r in rows:
        if r["table"] != "nonDerivative" or r["superseded"]:
            continue
        if filed_at_days is not None and not (filed(r) and now - timedelta(days=filed_at_days) <= filed(r) <= now):
            continue
        today = now.date()
        if transaction_days is not None and not (traded(r) and today - timedelta(days=transaction_days) <= traded(r) <= today):
            continue
        wanted = {"issuer_cik": issuer_cik, "sector": sector, "industry": industry, "side": side,
                  "is_officer": is_officer, "is_director": is_director,
                  "is_ten_percent_owner": is_ten_percent_owner, "is_csuite": is_csuite}
        if any(v is not None and r.get(k) != v for k, v in wanted.items()):
            continue
        if codes and r.get("code") not in codes:
            continue
        if min_value is not None and not ("value_cents" in r and r["value_cents"] >= math.ceil(min_value * 100)):
            continue
        if max_value is not None and not ("value_cents" in r and r["value_cents"] <= math.floor(max_value * 100)):
            continue
        if (exclude_10b5_1 and r["is_10b5_1"]) or (exclude_cashless and r["is_cashless"]):
            continue
        out.append(r)
    return out


def cents(rows) -> int:
    return sum(r.get("value_cents", 0) for r in rows)


def milli(rows) -> int:
    return sum(r.get("shares_milli", 0) for r in rows)


def buys(rows):
    return [r for r in rows if r.get("side") == "A"]


def sells(rows):
    return [r for r in rows if r.get("side") == "D"]


def score(a, b) -> float:
    return round((a - b) / (a + b), 6) if a + b else 0.0


def _recency(r):
    return filed(r) or EARLIEST, traded(r) or date.min


def issuer_of(corpus: Corpus, ticker: str) -> tuple[str, str]:
    """(CIK, name) on the latest filing whose symbol normalises to the ticker (undated filings
    last, ties by accession number)."""
    carrying = [f for f in corpus.filings if normalize_ticker(f["issuer"].get("tradingSymbol")) == ticker]
    by_accession = sorted(carrying, key=lambda f: f["accessionNo"])
    dated = sorted((f for f in by_accession if f.get("filedAt")),
                   key=lambda f: datetime.fromisoformat(f["filedAt"]), reverse=True)
    latest = (dated + [f for f in by_accession if not f.get("filedAt")])[0]["issuer"]
    return latest["cik"], latest.get("name") or "Unknown"


def latest_label(rows, cik: str, field: str):
    """The issuer's `field` (ticker, issuer_name) on its latest row that has one."""
    labelled = [r for r in rows if r["issuer_cik"] == cik and r.get(field)]
    return max(labelled, key=lambda r: (_recency(r), r[field]))[field] if labelled else None


def summary(rows, ticker: str, now: datetime, *, filed_at_days=7, transaction_days=None, days=None,
            is_c_suite=None, exclude_10b5_1=False, exclude_cashless=False) -> dict:
    cik, name = issuer_of(rows, ticker)
    if days is not None:
        filed_at_days = transaction_days = days
    common = dict(filed_at_days=filed_at_days, transaction_days=transaction_days, issuer_cik=cik,
                  is_csuite=is_c_suite, exclude_cashless=exclude_cashless)
    chosen = select(rows, now, exclude_10b5_1=exclude_10b5_1, **common)
    planned = [r for r in select(rows, now, **common) if r["is_10b5_1"]]
    b, s = buys(chosen), sells(chosen)
    cb, cs = [r for r in b if r["is_csuite"]], [r for r in s if r["is_csuite"]]
    dates = [r["transaction_date"] for r in chosen if r.get("transaction_date")]
    return {
        "ticker": ticker, "company_name": name, "issuer_cik": cik.zfill(10), "days": days,
        "total_transactions": len(chosen), "total_buys": len(b), "total_sells": len(s),
        "total_buy_value": cents(b) / 100, "total_sell_value": cents(s) / 100,
        "total_buy_shares": milli(b) / 1000, "total_sell_shares": milli(s) / 1000,
        "unique_insiders": len({r["owner_key"] for r in chosen}),
        "latest_transaction_date": max(dates) if dates else None,
        "net_shares": (milli(b) - milli(s)) / 1000, "net_value": (cents(b) - cents(s)) / 100,
        "unique_buyers": len({r["owner_key"] for r in b}), "unique_sellers": len({r["owner_key"] for r in s}),
        "rule_10b5_1_buy_count": len(buys(planned)), "rule_10b5_1_sell_count": len(sells(planned)),
        "rule_10b5_1_buy_value": cents(buys(planned)) / 100, "rule_10b5_1_sell_value": cents(sells(planned)) / 100,
        "csuite_buy_count": len(cb), "csuite_sell_count": len(cs),
        "csuite_buy_value": cents(cb) / 100, "csuite_sell_value": cents(cs) / 100,
        "csuite_net_value": (cents(cb) - cents(cs)) / 100,
        "officer_buy_value": cents([r for r in b if r["is_officer"]]) / 100,
        "officer_sell_value": cents([r for r in s if r["is_officer"]]) / 100,
        "director_buy_value": cents([r for r in b if r["is_director"]]) / 100,
        "director_sell_value": cents([r for r in s if r["is_director"]]) / 100,
        "buy_sell_ratio": 0.0 if not b else ("Infinity" if not s else round(len(b) / len(s), 6)),
        "sentiment_score": score(len(b), len(s)),
        "value_sentiment_score": score(cents(b), cents(s)),
        "csuite_sentiment_score": score(len(cb), len(cs)),
        "value_csuite_sentiment_score": score(cents(cb), cents(cs)),
        "filing_count": len({r["accession_no"] for r in chosen}),
    }


def flow_metrics(rows) -> dict:
    b, s = buys(rows), sells(rows)
    return {
        "buy_count": len(b), "sell_count": len(s),
        "buy_value": cents(b) / 100, "sell_value": cents(s) / 100, "net_value": (cents(b) - cents(s)) / 100,
        "buy_shares": milli(b) / 1000, "sell_shares": milli(s) / 1000, "net_shares": (milli(b) - milli(s)) / 1000,
    }


def group_metrics(rows) -> dict:
    return {
        "transaction_count": len(rows),
        "filing_count": len({r["accession_no"] for r in rows}),
        "unique_insiders": len({r["owner_key"] for r in rows}),
        "unique_issuers": len({r["issuer_cik"] for r in rows}),
        **flow_metrics(rows),
    }


def market_filters(params: dict) -> dict:
    """API parameter names -> `select` keywords."""
    renamed = {"transaction_code": "codes", "acquired_disposed_code": "side", "is_c_suite": "is_csuite"}
    return {renamed.get(k, k): v for k, v in params.items()}


SORTS = {
    "abs_net_value": lambda g: abs(g["net_value"]),
    "net_value": lambda g: g["net_value"],
    "total_value": lambda g: g["buy_value"] + g["sell_value"],
    "transaction_count": lambda g: g["transaction_count"],
    "unique_insiders": lambda g: g["unique_insiders"],
}


def by_sector(rows, now: datetime, *, group_by="sector", limit=50, offset=0, sort_by="abs_net_value",
              filed_at_days=30, **params) -> dict:
    chosen = select(rows, now, filed_at_days=filed_at_days, **market_filters(params))
    keys = {r.get(group_by) for r in chosen}
    groups = [{"group": k, **group_metrics([r for r in chosen if r.get(group_by) == k])} for k in keys]
    groups.sort(key=lambda g: (-SORTS[sort_by](g), g["group"] is None, g["group"] or ""))
    limit = min(limit, 500)
    return {
        "data": groups[offset:offset + limit],
        "meta": {"total": len(groups), "limit": limit, "offset": offset, "has_more": offset + limit < len(groups),
                 "group_by": group_by, "filed_at_days": filed_at_days},
    }


def tape_ids(rows, ticker: str, now: datetime, **params) -> list[str]:
    """Every row id of the ticker's tape, in tape order: newest trade, then newest filing, then
    the filing's lines in order (accession number, line number), then id."""
    cik, _ = issuer_of(rows, ticker)
    codes = params.pop("transaction_code", ())
    side = params.pop("acquired_disposed_code", None)
    days = params.pop("days", None)
    params.setdefault("filed_at_days", 7)
    if days is not None:
        params["filed_at_days"] = params["transaction_days"] = days
    chosen = select(rows, now, issuer_cik=cik, codes=codes, side=side, **market_filters(params))
    by_id = sorted(chosen, key=lambda r: (r["accession_no"], r["line"], r["id"]))
    with_filed = sorted((r for r in by_id if filed(r)), key=lambda r: filed(r), reverse=True)
    ordered = with_filed + [r for r in by_id if not filed(r)]
    dated = sorted((r for r in ordered if traded(r)), key=lambda r: traded(r), reverse=True)
    return [r["id"] for r in dated + [r for r in ordered if not traded(r)]]


def clusters(rows, now: datetime, *, days=30, min_insiders=3, transaction_code=("P",), **params) -> list[dict]:
    chosen = select(rows, now, transaction_days=days, codes=transaction_code, side="A", **market_filters(params))
    found = []
    for cik in {r["issuer_cik"] for r in chosen}:
        mine = [r for r in chosen if r["issuer_cik"] == cik]
        owners = {r["owner_key"] for r in mine}
        if len(owners) < min_insiders:
            continue
        insiders = []
        for key in owners:
            theirs = [r for r in mine if r["owner_key"] == key]
            latest = max(theirs, key=lambda r: (_recency(r), r["owner_name"]))
            insiders.append({"owner_key": key, "name": latest["owner_name"], "transaction_count": len(theirs),
                             "value": cents(theirs) / 100, "shares": milli(theirs) / 1000,
                             "first_transaction_date": min(r["transaction_date"] for r in theirs),
                             "last_transaction_date": max(r["transaction_date"] for r in theirs)})
        insiders.sort(key=lambda o: (-o["value"], o["owner_key"]))
        found.append({"ticker": latest_label(rows, cik, "ticker"),
                      "company_name": latest_label(rows, cik, "issuer_name") or "Unknown",
                      "issuer_cik": cik.zfill(10), "insider_count": len(owners), "transaction_count": len(mine),
                      "total_value": cents(mine) / 100, "total_shares": milli(mine) / 1000,
                      "first_transaction_date": min(r["transaction_date"] for r in mine),
                      "last_transaction_date": max(r["transaction_date"] for r in mine), "insiders": insiders})
    return sorted(found, key=lambda c: (-c["total_value"], c["issuer_cik"]))


def stats(rows, now: datetime, *, top=10, filed_at_days=30, **params) -> dict:
    chosen = select(rows, now, filed_at_days=filed_at_days, **market_filters(params))

    def largest(side):
        priced = [r for r in chosen if r.get("side") == side and r.get("value_cents", 0) > 0]
        return [r["id"] for r in sorted(priced, key=lambda r: (-r["value_cents"], r["id"]))[:top]]

    nets = {}
    for cik in {r["issuer_cik"] for r in chosen}:
        mine = [r for r in chosen if r["issuer_cik"] == cik]
        nets[cik.zfill(10)] = cents(buys(mine)) - cents(sells(mine))
    days = sorted({r["transaction_date"] for r in chosen if r.get("transaction_date")})
    return {
        "totals": group_metrics(chosen),
        "top_buys": largest("A"),
        "top_sells": largest("D"),
        "top_net_buying": [c for c, n in sorted(nets.items(), key=lambda kv: (-kv[1], kv[0])) if n > 0][:top],
        "top_net_selling": [c for c, n in sorted(nets.items(), key=lambda kv: (kv[1], kv[0])) if n < 0][:top],
        "daily_trend": [{"date": d, "transaction_count": len(on), **flow_metrics(on)}
                        for d in days for on in [[r for r in chosen if r.get("transaction_date") == d]]],
    }
