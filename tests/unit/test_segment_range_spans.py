"""The spans tenant networks' ids come from: ranges merged, other projects' ranges
left out (neutrino/services/segment_ranges/plugin.py)."""
from neutrino.services.segment_ranges.plugin import merged, without


def test_merged_joins_overlapping_and_adjacent_spans_of_one_physical_network():
    assert merged([("p1", 10, 20), ("", 1, 5), ("p1", 21, 30), ("p1", 15, 18),
                   ("p2", 10, 12), ("", 4, 9)]) == [("", 1, 9), ("p1", 10, 30), ("p2", 10, 12)]


def test_without_cuts_holes_of_the_same_physical_network_only():
    spans = [("p1", 1, 100), ("p2", 1, 100)]
    assert without(spans, [("p1", 10, 19), ("p1", 15, 30), ("p1", 90, 200)]) == [
        ("p1", 1, 9), ("p1", 31, 89), ("p2", 1, 100)]


def test_without_a_hole_covering_everything_leaves_nothing():
    assert without([("", 5, 10)], [("", 1, 20)]) == []
    assert without([("", 5, 10)], []) == [("", 5, 10)]
