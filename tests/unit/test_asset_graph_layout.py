"""How the asset graph reads in the Dagster UI: one group per layer, left to right.

The UI lays groups out by their dependencies; a group per layer, with no edge from a later
layer back into an earlier one, keeps the lineage reading from platforms to the published
mart. Every asset carries a description and an owner.
"""

from __future__ import annotations

from orchestration.definitions import defs

LAYERS = ["reference", "raw", "staging", "intermediate", "marts", "kpi", "serving"]
# reference (dbt seeds) and raw are both inputs: neither reads the other
RANK = {"reference": 0, "raw": 0} | {layer: i for i, layer in enumerate(LAYERS[2:], start=1)}


def test_every_asset_is_in_a_layer_group():
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    outside = {key: group for key, group in groups.items() if group not in LAYERS}
    assert not outside, outside
    assert set(groups.values()) == set(LAYERS)


def test_no_edge_runs_back_to_an_earlier_layer():
    graph = defs.resolve_asset_graph()
    backwards = [
        (parent.to_user_string(), key.to_user_string())
        for key in graph.get_all_asset_keys()
        for parent in graph.get(key).parent_keys
        if RANK[graph.get(parent).group_name] > RANK[graph.get(key).group_name]
    ]
    assert not backwards, backwards


def test_every_asset_has_a_description_and_an_owner():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and node.description.strip(), key.to_user_string()
        assert node.owners, key.to_user_string()
