"""Every label variant in data/labels.csv maps to its canonical path; made-up labels map to nothing."""
import pytest

from ogi.normalize.labels import field_for, index, match_label, match_path
from ogi.normalize.schema import fields, labels
from ogi.normalize.text import label_key

TABLE_LABELS = [lab for lab in labels() if lab.table in ("t2", "t3", "t4") and not lab.canonical_path.startswith("UNMAPPED")]


def _axis(table, path):
    leaves = index(table).leaves
    return next((axis for axis in ("row", "col") if path in leaves[axis]), None)


@pytest.mark.parametrize("lab", TABLE_LABELS, ids=lambda lab: f"line{lab.line}")
def test_variant_maps_to_its_canonical_path(lab):
    table = lab.table
    axis = _axis(table, lab.canonical_path)
    if axis is None:  # a block or group label: it must at least be recognised as that label
        assert lab.canonical_path in match_label(table, lab.variant)
        return
    parents = lab.canonical_path.split("/")[:-1]
    match = match_path(table, axis, parents + [lab.variant])
    assert match is not None and match.how == "exact", lab.variant
    assert lab.canonical_path in match.paths, (lab.variant, match.paths)
    # A label two layouts share (规范性文件) is told apart by its column: the pair names one field.
    own = [f for f in fields().values() if lab.canonical_path in (f.row_paths if axis == "row" else f.col_paths)]
    for f in own:
        other_axis = f.col_paths if axis == "row" else f.row_paths
        pair = (match.paths, other_axis) if axis == "row" else (other_axis, match.paths)
        assert field_for(table, *pair) == [f.id]


def test_every_leaf_label_names_a_field():
    for table in ("t2", "t3", "t4"):
        idx = index(table)
        for (row, col), fid in idx.by_pair.items():
            assert fid in fields()
            assert field_for(table, (row,), (col,)) == [fid]


def test_no_variant_key_is_claimed_by_two_different_leaves_of_one_axis():
    for table in ("t3", "t4"):  # table 2's 规范性文件 is both layouts' row; its columns tell them apart
        idx = index(table)
        for axis in ("row", "col"):
            for key, paths in idx.keys.items():
                names = {p.rsplit("/", 1)[-1] for p in paths & idx.leaves[axis]}
                assert len(names) <= 1, (table, axis, key, names)


MADE_UP = ["本年新增投诉数量", "网站访问量", "行政复议申请人数", "其他主动公开文件", "财政预决算公开数",
           "政策解读数量", "新闻发布会场次", "办理时限", "申请人满意度", "本年度撤回申请数"]


@pytest.mark.parametrize("text", MADE_UP)
@pytest.mark.parametrize("table", ["t2", "t3", "t4"])
def test_made_up_labels_map_to_nothing(table, text):
    assert match_path(table, "row", [text]) is None
    assert match_path(table, "col", [text]) is None


def test_unseen_variant_of_a_long_label_matches_fuzzily_and_says_so():
    match = match_path("t3", "row", ["（五）不予处理", "1.信访举报投诉申请件"])
    assert match.how == "fuzzy"
    assert match.paths == ("三、本年度办理结果/（五）不予处理/1.信访举报投诉类申请",)


@pytest.mark.parametrize("printed, key", [
    ("（二）部分公开（区分处理的，只记这一情形，不记其他情形）", "部分公开"),
    ("商業\n企業", "商业企业"),
    ("本年制發(fā)件數(shù)", "本年制发件数"),
    ("3、其他", "其他"),
    ("(三) 不予公开", "不予公开"),
    ("三\n、\n本\n年\n度\n办\n理\n结\n果", "本年度办理结果"),
    ("第二十条 第（一）项", "第二十条第(一)项"),
])
def test_label_key_folds_print_variations(printed, key):
    assert label_key(printed) == key
