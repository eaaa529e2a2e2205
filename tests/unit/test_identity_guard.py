"""The over-merge guard and the solver together, at the shipped limits, on graphs whose
answer is known (docs/identity.md, docs/requirements.md R-U3 and R-U6).

The guard and the solver are plain functions of a DuckDB connection in the dbt Python model
``int_identity__components``; the limits are the seed ``identity_sharing_rules.csv`` as
shipped. Each graph is built from people this test makes up, so every answer (who is one
person, which identifier is shared) is known before the guard runs.
"""

from __future__ import annotations

import random
from collections import Counter
from math import comb

import duckdb

from ingestion.settings import REPO_ROOT
from tests.helpers import load_graph_tables, load_identity_model

SHARING_RULES = REPO_ROOT / "dbt_project" / "seeds" / "identity_sharing_rules.csv"
OLD_LIMIT_PER_TYPE = 3  # the guard this replaces: > 3 distinct neighbours of one type


components_model = load_identity_model("int_identity__components")
ids_model = load_identity_model("int_identity__unified_ids")

Edge = tuple[str, str]


def split(name: str) -> tuple[str, str]:
    id_type, id_value = name.rsplit("=", 1)
    return id_type, id_value


def load_graph(nodes: list[str], edges: list[Edge]) -> duckdb.DuckDBPyConnection:
    """A connection holding ``nodes``, ``edges`` and the shipped ``rules``.

    Identifiers are written ``type=value`` (types may hold a colon: ``wechat_openid:A``).
    """
    con = duckdb.connect()
    load_graph_tables(con, [split(n) for n in nodes], [(split(a), split(b)) for a, b in edges])
    con.execute(f"create table rules as select * from read_csv('{SHARING_RULES}', header=true)")
    return con


def resolve(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], dict[str, tuple]]:
    """identifier → component key, and shared identifier → (people_joined, neighbours)."""
    rows = components_model.resolve_identities(con, "nodes", "edges", "rules").fetchall()
    keys = {f"{t}={v}": key for t, v, key, *_ in rows}
    shared = {f"{t}={v}": (people, by_type) for t, v, _, people, _, _, by_type in rows if people}
    return keys, shared


def old_guard(edges: list[Edge]) -> set[str]:
    """What the replaced guard excluded: > 3 distinct neighbours of one type."""
    neighbours: dict[str, set[str]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    return {
        node
        for node, others in neighbours.items()
        if max(Counter(split(o)[0] for o in others).values()) > OLD_LIMIT_PER_TYPE
    }


def resolve_with_old_guard(nodes: list[str], edges: list[Edge]) -> dict[str, str]:
    excluded = old_guard(edges)
    con = load_graph(
        [n for n in nodes if n not in excluded],
        [(a, b) for a, b in edges if a not in excluded and b not in excluded],
    )
    rel, _ = components_model.connected_components(con, "nodes", "edges")
    return {f"{t}={v}": key for t, v, key in rel.fetchall()}


def pairwise(keys: dict[str, str], truth: dict[str, int]) -> tuple[float, float]:
    """Pairwise precision and recall of predicted clusters against the true people.

    An identifier missing from ``keys`` (the old guard's excluded ones, left without an id)
    is a cluster of its own."""
    predicted = Counter(keys.get(n, f"missing:{n}") for n in truth)
    actual = Counter(truth.values())
    both = Counter((keys.get(n, f"missing:{n}"), p) for n, p in truth.items())
    together = sum(comb(c, 2) for c in both.values())
    predicted_pairs = sum(comb(c, 2) for c in predicted.values())
    true_pairs = sum(comb(c, 2) for c in actual.values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / true_pairs if true_pairs else 1.0
    return precision, recall


def ordinary_people(rng: random.Random, people: int) -> tuple[dict[str, int], list[Edge]]:
    """People with several identifiers of one type, linked by the records that name them.

    Each has one phone, one unionid, 1-5 Douyin accounts (each ordering with the phone),
    1-6 openids of different Official Accounts (each a follower record with the unionid),
    1-2 CRM members (member id, phone, an email of 1-2, unionid) and sometimes a WeCom
    contact (external id, unionid, phone). Returns identifier → person and the edges."""
    truth: dict[str, int] = {}
    edges: list[Edge] = []
    for p in range(people):
        first_edge = len(edges)
        phone, unionid = f"phone_hash=p{p}", f"wechat_unionid=u{p}"
        emails = [f"email_hash=e{p}_{i}" for i in range(rng.randint(1, 2))]
        for i in range(rng.randint(1, 5)):
            edges.append((f"douyin_open_id=d{p}_{i}", phone))
        for account in rng.sample("ABCDEFGH", rng.randint(1, 6)):
            edges.append((f"wechat_openid:{account}=o{p}_{account}", unionid))
        for i in range(rng.randint(1, 2)):
            record = [f"crm_member_id=m{p}_{i}", phone, emails[i % len(emails)], unionid]
            edges += [(a, b) for j, a in enumerate(record) for b in record[j + 1 :]]
        if rng.random() < 0.3:
            record = [f"wecom_external_userid=w{p}", unionid, phone]
            edges += [(a, b) for j, a in enumerate(record) for b in record[j + 1 :]]
        for a, b in edges[first_edge:]:
            truth[a] = truth[b] = p
    return truth, edges


# -- known answers ------------------------------------------------------------------------------
def test_the_shipped_rules_give_every_type_a_limit():
    con = load_graph([], [])
    rules = dict(con.execute("select id_type, max_people from rules").fetchall())
    assert "%" in rules and rules["phone_hash"] < 24  # the spread hub below is caught


def test_long_chains_are_one_person_each_and_nothing_is_excluded():
    types = ["phone_hash", "douyin_open_id", "crm_member_id", "email_hash", "wechat_unionid"]
    nodes, edges = [], []
    for chain in range(3):
        links = [f"{types[i % 5]}=c{chain}_{i:04d}" for i in range(2_000)]
        nodes += links
        edges += list(zip(links, links[1:], strict=False))
    keys, shared = resolve(load_graph(nodes, edges))
    assert shared == {}
    assert len(set(keys.values())) == 3
    assert Counter(keys.values()).most_common(1)[0][1] == 2_000


def test_a_3000_spoke_shop_phone_is_excluded_and_its_buyers_stay_apart():
    spokes = [f"douyin_open_id=d{i:04d}" for i in range(3_000)]
    # a third of the buyers are CRM members with a phone of their own
    members = [
        (f"crm_member_id=m{i}", f"phone_hash=own{i}", f"douyin_open_id=d{i:04d}")
        for i in range(0, 3_000, 3)
    ]
    edges = [("phone_hash=shop", s) for s in spokes]
    edges += [(m, ph) for m, ph, _ in members] + [(ph, d) for _, ph, d in members]
    nodes = ["phone_hash=shop", *spokes, *(x for m in members for x in m[:2])]
    con = load_graph(nodes, edges)
    keys, shared = resolve(con)

    assert shared == {"phone_hash=shop": (3_000, "douyin_open_id 3000")}
    # the shop phone keeps a component (and so a unified id) of its own
    assert keys["phone_hash=shop"] == "phone_hash:shop"
    assert len(set(keys.values())) == 1 + 3_000
    assert keys["douyin_open_id=d0003"] == keys["phone_hash=own3"] == keys["crm_member_id=m3"]
    assert keys["douyin_open_id=d0003"] != keys["douyin_open_id=d0006"]

    solved = components_model.resolve_identities(con, "nodes", "edges", "rules")
    solved.create("components")
    bridge = ids_model.assign_unified_ids(con, "components", "nodes", None).pl()
    assert bridge.height == len(nodes) and bridge["unified_user_id"].null_count() == 0
    assert bridge["unified_user_id"].n_unique() == 1 + 3_000


def test_disjoint_pairs_stay_pairs():
    pairs = [(f"crm_member_id=m{i}", f"email_hash=e{i}") for i in range(1_000)]
    keys, shared = resolve(load_graph([n for p in pairs for n in p], pairs))
    assert shared == {}
    assert len(set(keys.values())) == 1_000
    assert all(keys[a] == keys[b] for a, b in pairs)


def test_a_hub_spread_over_every_type_is_excluded():
    """A phone shared by 24 people, 3 on each of 8 identifier types: never more than 3 of
    one type, so the old per-type guard let all 24 merge; judged together it joins 24."""
    types = [
        "douyin_open_id", "weibo_uid", "wechat_openid:A", "wechat_unionid",
        "wecom_external_userid", "email_hash", "crm_member_id", "phone_hash",
    ]  # fmt: skip
    truth: dict[str, int] = {"phone_hash=hub": -1}
    edges: list[Edge] = []
    for t, id_type in enumerate(types):
        for i in range(3):
            person = 3 * t + i
            own = f"{id_type}=h{person}"
            partner = (
                f"crm_member_id=hm{person}"
                if id_type != "crm_member_id"
                else (f"email_hash=he{person}")
            )
            edges += [("phone_hash=hub", own), (own, partner)]
            truth[own] = truth[partner] = person
    keys, shared = resolve(load_graph(list(truth), edges))

    assert list(shared) == ["phone_hash=hub"]
    people, by_type = shared["phone_hash=hub"]
    assert people == 24
    assert by_type == ", ".join(f"{t} 3" for t in sorted(types))
    assert len(set(keys.values())) == 25
    assert pairwise(keys, {n: p for n, p in truth.items() if p >= 0}) == (1.0, 1.0)

    # the old guard judged per type: it excluded nothing and merged all 24 into one
    assert old_guard(edges) == set()
    old = resolve_with_old_guard(list(truth), edges)
    assert len(set(old.values())) == 1


def test_random_ordinary_people_are_kept_whole_and_shop_phones_are_not():
    rng = random.Random(18)
    truth, edges = ordinary_people(rng, 2_000)
    # five shop phones, each typed on the orders of 40 random people's Douyin accounts
    douyin = sorted(n for n in truth if n.startswith("douyin_open_id="))
    shops = [f"phone_hash=shop{s}" for s in range(5)]
    for shop in shops:
        edges += [(shop, d) for d in rng.sample(douyin, 40)]
    nodes = [*truth, *shops]
    keys, shared = resolve(load_graph(nodes, edges))

    assert sorted(shared) == shops
    precision, recall = pairwise(keys, truth)
    assert precision >= 0.999
    assert recall == 1.0
    # every deterministic link (a record naming two identifiers of one person) holds
    assert all(keys[a] == keys[b] for a, b in edges if a not in shops and b not in shops)
    assert len(set(keys.values())) == 2_000 + len(shops)

    # the old guard fails the same graph: it excludes the phone of everyone with more than
    # 3 Douyin accounts, whose accounts then fall away from them
    excluded_by_old = old_guard(edges) - set(shops)
    assert len(excluded_by_old) > 50
    old_precision, old_recall = pairwise(resolve_with_old_guard(nodes, edges), truth)
    assert old_recall < 0.9
