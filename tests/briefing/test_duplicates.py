"""The same story once: wire copy in three papers is one item naming the other two; two articles on
the same event written separately stay two."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.briefing.compose import compose
from digest.briefing.duplicates import THRESHOLD, duplicate_groups, similarity, sketch
from digest.briefing.render import render
from digest.briefing.subscribers import SubscriberSettings
from digest.models import RawInput
from digest.pipeline import ingest_document, summarise_pending
from digest.sources.base import FetchedDocument
from digest.store import open_store
from digest.summarise.extractive import ExtractiveSummariser
from tests.ingest.dev_pages import ALL_PAGES, page_text

DAY = dt.date(2024, 8, 1)
NOW = dt.datetime(2024, 8, 1, 1, 0, tzinfo=dt.UTC)
WIRE = (
    "新华社北京7月31日电 国家防汛抗旱总指挥部7月31日召开会商会，部署南方强降雨防范工作。"
    "会议要求各地密切监视雨情水情，提前转移危险区域群众，确保人民群众生命财产安全。"
    "会议指出，当前正值主汛期，防汛形势严峻复杂，各地要压紧压实责任，做好抢险救灾准备。"
)
# The same event, written separately by a county paper: the names and the topic are shared.
OWN = (
    "本报讯 7月31日，清河县召开防汛工作会商会，部署近期强降雨防范工作。"
    "会议要求各乡镇加强值班值守，对山洪地质灾害隐患点开展拉网式排查，及时转移受威胁群众。"
    "县委书记王建国出席会议并讲话，要求全县上下绷紧防汛这根弦。"
)


def test_the_same_article_in_three_papers_is_one_item_naming_the_others(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'digest.db'}")
    # The third paper printed the wire copy with a corrected figure and its own byline.
    texts = {
        "清河日报": WIRE + "\n（据新华社）",
        "石岭报": WIRE,
        "柳林报": WIRE.replace("7月31日召开", "7月31日下午召开") + "\n（记者 赵红梅）",
        "清河县报": OWN + "\n（记者 李秀梅）",
    }
    for paper, text in texts.items():
        doc = FetchedDocument(
            "test", paper, f"{paper}.txt", RawInput(f"{paper}.txt", text.encode(), ".txt"), DAY
        )
        ingest_document(store, doc, now=NOW)
    summarise_pending(store, ExtractiveSummariser(), batch=64, now=lambda: NOW)
    briefing = compose(store, SubscriberSettings(name="me"), DAY)
    items = [item for issue in briefing.issues for item in issue.items]
    assert len(items) == 2  # the wire story once, the county's own report apart
    wire = next(item for item in items if item.also_in)
    assert sorted(wire.also_in) == sorted(set(texts) - {"清河县报"} - {_paper_of(briefing, wire)})
    assert len(wire.duplicates) == 2 and len(briefing.article_ids) == 4  # all four are briefed
    assert "同见" in render(briefing).text


def _paper_of(briefing: object, item: object) -> str:
    return next(issue.paper for issue in briefing.issues if item in issue.items)  # type: ignore[attr-defined]


def test_separately_written_articles_on_one_event_are_not_merged() -> None:
    assert similarity(sketch(WIRE), sketch(OWN)) < 0.2
    assert duplicate_groups([WIRE, OWN]) == [0, 1]


def test_no_two_development_articles_come_near_the_threshold() -> None:
    # The threshold's margin, measured: distinct articles of the development pages are far apart.
    from digest.ingest.segment import segment  # noqa: PLC0415

    texts = [a.text for path in ALL_PAGES for a in segment(page_text(path))]
    sketches = [sketch(t) for t in texts]
    closest = max(
        similarity(sketches[i], sketches[j]) for i in range(len(texts)) for j in range(i + 1, len(texts))
    )
    assert closest < THRESHOLD / 2, closest


def test_a_story_briefed_before_is_not_listed_again_but_said(tmp_path: Path) -> None:
    # Wire copy briefed yesterday from one paper, printed today by another: today's briefing does not
    # list it again, says that it left one out and why, and the county's own story is listed.
    store = open_store(f"sqlite:///{tmp_path / 'digest.db'}")
    reader = SubscriberSettings(name="me")
    yesterday, today = DAY, DAY + dt.timedelta(days=1)

    def ingest(paper: str, text: str, day: dt.date) -> None:
        at = dt.datetime.combine(day, dt.time(1), tzinfo=dt.UTC)
        doc = FetchedDocument(
            "test", paper, f"{paper}-{day}.txt", RawInput(f"{paper}.txt", text.encode(), ".txt"), day
        )
        ingest_document(store, doc, now=at)
        summarise_pending(store, ExtractiveSummariser(), batch=64, now=lambda: at)

    ingest("清河日报", WIRE + "\n（据新华社）", yesterday)
    first = compose(store, reader, yesterday)
    assert first.count == 1
    store.save_briefing("me", yesterday, first.data(), now=NOW, article_ids=first.article_ids)
    ingest("石岭报", WIRE.replace("7月31日召开", "7月31日下午召开"), today)
    ingest("清河县报", OWN + "\n（记者 李秀梅）", today)
    second = compose(store, reader, today)
    assert [item.summary[:6] for issue in second.issues for item in issue.items] == [
        item.summary[:6] for item in compose_items(store, "清河县报", today)
    ]
    assert second.repeats == 1 and len(second.article_ids) == 2  # the repeat is briefed, not listed
    text = render(second).text
    assert "另有 1 篇与此前简报中的报道相同" in text
    store.save_briefing("me", today, second.data(), now=NOW, article_ids=second.article_ids)
    assert compose(store, reader, today + dt.timedelta(days=1)).count == 0  # nothing comes back later


def compose_items(store: object, paper: str, day: dt.date) -> list[object]:
    """The items a reader of ``paper`` alone would get that day (a fresh subscriber)."""
    briefing = compose(store, SubscriberSettings(name=f"only-{paper}", papers=[paper]), day)  # type: ignore[arg-type]
    return [item for issue in briefing.issues for item in issue.items]
