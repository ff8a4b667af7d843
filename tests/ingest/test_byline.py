from __future__ import annotations

import pytest

from digest.ingest.byline import Byline, parse_byline, split_byline


@pytest.mark.parametrize(
    ("inner", "writers", "photographers"),
    [
        ("文/冀美丽 梁赟", ("冀美丽", "梁赟"), ()),
        ("文/范英哲 图/荀超", ("范英哲",), ("荀超",)),
        ("冀美丽 郭倩楠", ("冀美丽", "郭倩楠"), ()),
        ("文/冀美丽 梁赟 图/申淼", ("冀美丽", "梁赟"), ("申淼",)),
        ("记者 张三 通讯员 李四", ("张三", "李四"), ()),
        ("记者张三", ("张三",), ()),
        ("张三、李四", ("张三", "李四"), ()),
        ("文/图 张三", ("张三",), ("张三",)),
        ("本报记者 张三 摄", (), ("张三",)),
        ("张三 摄", (), ("张三",)),
        ("文：王五 图：赵六", ("王五",), ("赵六",)),
        ("记者 阿卜杜·热合曼", ("阿卜杜·热合曼",), ()),
        ("文静", ("文静",), ()),  # a name that starts like a role marker
    ],
)
def test_bylines(inner: str, writers: tuple[str, ...], photographers: tuple[str, ...]) -> None:
    assert parse_byline(inner) == Byline(writers, photographers)


@pytest.mark.parametrize("inner", ["含条管单位", "上", "2024年", "见第三版", "一 二 三 四 五 六"])
def test_brackets_that_are_not_bylines(inner: str) -> None:
    assert parse_byline(inner) is None


def test_byline_must_end_the_line_after_a_sentence() -> None:
    assert split_byline("表彰企业负责人。 （文/司瑞东 图/申淼）") == (
        "表彰企业负责人。",
        Byline(("司瑞东",), ("申淼",)),
    )
    assert split_byline("（冀美丽 郭倩楠）") == ("", Byline(("冀美丽", "郭倩楠"), ()))
    assert split_byline("县直各单位（含条管单位）") is None
    assert split_byline("暂行办法（张三 李四）") is None  # not after a sentence end
    assert split_byline("（记者 张三）正文继续。") is None
