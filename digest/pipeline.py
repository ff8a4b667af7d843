"""Orchestration only: bytes → page → articles → summaries, one bad article never sinking the page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from digest.errors import DigestError
from digest.http import mask_url
from digest.ingest.cues import COMMON, HouseStyle
from digest.ingest.extract import extract
from digest.ingest.house_styles import style_for
from digest.ingest.long_text import segment_long
from digest.ingest.segment import UNPLACED_WARN_SHARE, SegmentedPage
from digest.models import (
    Article,
    ArticleError,
    PageDigest,
    RawInput,
    SummarisedArticle,
    Summary,
)
from digest.sources.base import FetchedDocument, Source
from digest.store import IngestOutcome, Store, StoreError
from digest.summarise.base import Summariser

log = logging.getLogger(__name__)


def segmented(
    raw: RawInput,
    *,
    single_article: bool = False,
    issue_date: dt.date | None = None,
    style: HouseStyle = COMMON,
) -> SegmentedPage:
    """The articles and page matter of one input; what the caller knows (one article, the issue's
    date, the paper's house style) overrides or adds to what extraction found."""
    page = extract(raw)
    page = dataclasses.replace(
        page,
        single_article=page.single_article or single_article,
        issue_date=issue_date or page.issue_date,
    )
    return segment_long(page, style)


def unplaced_warning(source: str, page: SegmentedPage) -> str | None:
    """A warning naming the lines of a page that no article took, when they are more than a trace."""
    if page.unplaced_share <= UNPLACED_WARN_SHARE:
        return None
    shown = "; ".join(text[:30] for text in page.page.unplaced[:5])
    more = f" (and {len(page.page.unplaced) - 5} more)" if len(page.page.unplaced) > 5 else ""
    return (
        f"{source}: {len(page.page.unplaced)} lines ({page.unplaced_share:.0%} of the text) belong to no "
        f"article and are kept as the page's unplaced lines: {shown}{more}; "
        "`digest summarise --explain` shows how each line was read"
    )


def digest_page(
    raw: RawInput,
    summariser: Summariser,
    *,
    single_article: bool = False,
    issue_date: dt.date | None = None,
    style: HouseStyle = COMMON,
) -> PageDigest:
    """Extract, segment and summarise one input. Input errors raise; article errors are collected."""
    found = segmented(raw, single_article=single_article, issue_date=issue_date, style=style)
    articles = list(found.articles)
    summaries, errors = summarise_isolated(summariser, articles)
    done = tuple(
        SummarisedArticle(article, summary)
        for article, summary in zip(articles, summaries, strict=True)
        if summary is not None
    )
    return PageDigest(
        source=raw.source,
        articles=done,
        errors=tuple(errors),
        page=found.page,
        warning=unplaced_warning(raw.source, found),
    )


def summarise_isolated(
    summariser: Summariser, articles: Sequence[Article]
) -> tuple[list[Summary | None], list[ArticleError]]:
    """Summarise in one batch; if the batch fails, retry one by one so only the bad articles are lost."""
    try:
        batch: list[Summary | None] = list(summariser.summarise(articles))
        if len(batch) != len(articles):
            raise RuntimeError(
                f"{summariser.name} returned {len(batch)} summaries for {len(articles)} articles"
            )
        return batch, []
    except Exception:
        log.warning("batch summarisation failed; retrying article by article", exc_info=True)
    summaries: list[Summary | None] = []
    errors: list[ArticleError] = []
    for article in articles:
        try:
            summaries.append(summariser.summarise([article])[0])
        except Exception as exc:  # one article's failure is reported, never fatal to the page
            log.debug("article %d failed", article.index, exc_info=True)
            summaries.append(None)
            errors.append(ArticleError(article.index, "summarise", f"{type(exc).__name__}: {exc}"))
    return summaries, errors


# -- the daily cycle: sources → store → summaries ----------------------------------------------------


@dataclass
class CycleReport:
    """What one cycle did; printed by `digest run --once` and logged by the daemon."""

    documents: int = 0
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    articles: int = 0
    summarised: int = 0
    errors: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # documents left for the next poll, and why
    warnings: list[str] = field(default_factory=list)  # pages with text no article took

    def line(self) -> str:
        found = f"{self.new} new, {self.replaced} replaced, {self.unchanged} unchanged"
        done = f"{self.articles} articles, {self.summarised} summarised, {len(self.errors)} errors"
        return f"{self.documents} documents ({found}), {done}"


def content_hash(raw: RawInput) -> str:
    return hashlib.sha256(raw.data).hexdigest()


def ingest_document(
    store: Store, doc: FetchedDocument, *, now: dt.datetime, styles: Mapping[str, HouseStyle] | None = None
) -> tuple[IngestOutcome, int]:
    """Extract, segment and record one fetched document (one transaction); returns the outcome and the
    number of articles. Input errors raise; nothing is written for a document that fails."""
    outcome, count, _ = ingest_segmented(store, doc, now=now, styles=styles)
    return outcome, count


def ingest_segmented(
    store: Store, doc: FetchedDocument, *, now: dt.datetime, styles: Mapping[str, HouseStyle] | None = None
) -> tuple[IngestOutcome, int, str | None]:
    """ingest_document, and the warning about the page's unplaced lines when there is one.

    The paper's house style (``styles``, from ``[[papers]]``) is used with the lines that recur on
    most of its earlier pages (its own furniture, learnt from the store)."""
    style = style_for(styles or {}, doc.paper, store.recurring_lines(doc.paper))
    found = segmented(doc.raw, single_article=doc.single_article, issue_date=doc.issue_date, style=style)
    outcome, _ = store.record_document(
        doc, content_hash(doc.raw), found.articles, now=now, page=found.record()
    )
    return outcome, len(found.articles), unplaced_warning(doc.raw.source, found)


def poll_source(
    store: Store,
    source: Source,
    kind: str,
    report: CycleReport,
    *,
    today: dt.date,
    now: dt.datetime,
    styles: Mapping[str, HouseStyle] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Poll one source and record what it found; one bad document never sinks the others.

    A source whose batch was full (a folder with a backlog) is polled again at once, batch after
    batch, until it has nothing new: each batch is stored before the next is read, so memory stays
    bounded and the whole backlog lands in one cycle.
    """
    for _ in range(_MAX_BATCHES):
        if not _poll_batch(store, source, kind, report, today=today, now=now, styles=styles):
            return
        if should_stop():
            return
    note = f"{source.name}: still more after {_MAX_BATCHES} batches; the rest is read at the next poll"
    report.waiting.append(note)  # said by whoever reports the cycle, and by `digest status`


# The key of a source's stored state under which its last poll's waiting notes are kept.
WAITING = "waiting"
# A bound on one cycle's batches from one source (50 documents each for a folder: 50,000 documents).
_MAX_BATCHES = 1000


def _poll_batch(
    store: Store,
    source: Source,
    kind: str,
    report: CycleReport,
    *,
    today: dt.date,
    now: dt.datetime,
    styles: Mapping[str, HouseStyle] | None,
) -> bool:
    """One poll of ``source`` and its documents stored; whether the source has more ready now."""
    state = store.source_state(source.name)  # a store failure is not the source's: let it raise
    try:
        result = source.poll(state, today)
    except Exception as exc:  # a broken source is reported and retried at its next poll
        log.exception("source %s failed", source.name)
        message = f"{source.name}: {exc}"
        report.errors.append(message)
        store.save_source_state(source.name, kind, source.paper, state, polled_at=now, error=message)
        return False
    errors = list(result.errors)  # each source names itself in its errors (and its waiting notes)
    report.waiting.extend(result.waiting)
    for doc in result.documents:
        report.documents += 1
        try:
            outcome, count, warning = ingest_segmented(store, doc, now=now, styles=styles)
        except StoreError:
            # The store's fault (a full disk), not the document's: the run fails, and the state is
            # not saved past this document, so the next run after the fault reads it again.
            raise
        except DigestError as exc:
            errors.append(f"{source.name}: {exc.message}")
            continue
        except Exception as exc:  # a document that breaks the reader must not stop the others
            where = mask_url(doc.locator)  # a URL's token is nobody's business in a log
            log.exception("%s: %s: unexpected error", source.name, where)
            errors.append(
                f"{source.name}: {where}: unexpected error ({type(exc).__name__}: {exc}); "
                "the other documents went in; please report this one"
            )
            continue
        if warning is not None and outcome is not IngestOutcome.UNCHANGED:
            report.warnings.append(warning)
        setattr(report, outcome.value, getattr(report, outcome.value) + 1)
        if outcome is not IngestOutcome.UNCHANGED:
            report.articles += count
    # The state is saved after the documents: a crash in between re-reads them next time, and the
    # store recognises them as unchanged, so nothing is lost and nothing doubles.
    # What the poll left for later is kept with the state, for `digest status` to say.
    state = {**result.state, WAITING: list(result.waiting)}
    store.save_source_state(
        source.name, kind, source.paper, state, polled_at=now, error=errors[0] if errors else None
    )
    report.errors.extend(errors)
    # Another batch only when this one made progress: a batch of nothing but errors would repeat.
    return result.more and bool(result.documents)


def summarise_pending(
    store: Store,
    summariser: Summariser,
    *,
    batch: int,
    now: Callable[[], dt.datetime],
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[int, list[str]]:
    """Summarise pending articles batch by batch until none are left or a stop is requested.

    Each batch's summaries are saved in one transaction, so a kill loses at most the batch in flight;
    an article that fails is left pending for the next cycle and skipped in this one.
    """
    done = 0
    failed: set[int] = set()
    errors: list[str] = []
    while not should_stop():
        pending = [p for p in store.pending_articles(batch + len(failed)) if p.id not in failed][:batch]
        if not pending:
            break
        summaries, article_errors = summarise_isolated(summariser, [p.article for p in pending])
        store.save_summaries(
            [(p.id, s) for p, s in zip(pending, summaries, strict=True) if s is not None], now=now()
        )
        done += sum(1 for s in summaries if s is not None)
        # summarise_isolated reports failures in article order, one error per missing summary.
        lost = [p for p, s in zip(pending, summaries, strict=True) if s is None]
        failed.update(p.id for p in lost)
        errors.extend(f"article {p.id}: {e.message}" for p, e in zip(lost, article_errors, strict=False))
    return done, errors
