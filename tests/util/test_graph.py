"""The one graph utility (kpitools._util.graph): cycles and dependency order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kpitools._util.graph import dependency_order, find_cycle


def test_the_first_cycle_in_file_order_is_reported_from_where_it_closes():
    graph = {"revenue": ["units", "price"], "units": ["leads"], "leads": ["units"], "price": []}
    assert find_cycle(graph) == ["units", "leads", "units"]


def test_a_self_reference_is_a_cycle_of_one():
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_edges_to_unknown_nodes_are_ignored():
    assert find_cycle({"a": ["zzz"], "b": ["a"]}) is None
    assert dependency_order({"a": ["zzz"], "b": ["a"]}) == ["a", "b"]


def test_dependency_order_puts_inputs_first_in_file_order():
    graph = {"margin": ["revenue", "cost"], "cost": ["units"], "revenue": ["units"], "units": []}
    assert dependency_order(graph) == ["units", "revenue", "cost", "margin"]


def test_deep_chains_do_not_hit_the_recursion_limit():
    n = 5000
    chain = {f"k{i}": [f"k{i + 1}"] for i in range(n)} | {f"k{n}": []}
    assert find_cycle(chain) is None
    assert dependency_order(chain)[0] == f"k{n}"
    chain[f"k{n}"] = ["k0"]
    assert len(find_cycle(chain)) == n + 2


@given(
    st.dictionaries(
        st.sampled_from("abcdefgh"), st.lists(st.sampled_from("abcdefgh"), max_size=3), max_size=8
    )
)
def test_an_order_exists_exactly_when_there_is_no_cycle(graph):
    cycle = find_cycle(graph)
    if cycle is None:
        order = dependency_order(graph)
        assert sorted(order) == sorted(graph)
        pos = {n: i for i, n in enumerate(order)}
        assert all(pos[d] < pos[n] for n, deps in graph.items() for d in deps if d in graph)
    else:
        assert cycle[0] == cycle[-1]
        assert all(b in graph[a] for a, b in zip(cycle, cycle[1:], strict=False))
