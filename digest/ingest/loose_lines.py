"""The page's loose lines, outside every article: the block of headlines and captions a PDF dump
puts after the last article, a caption between two articles, a head no article followed. Each is
matched to the article that shares its wording (``page_matter``); what that leaves is placed by
where it stands (a ——subhead after its headline, a kicker before it, a caption with a credited
photo), and the rest is returned as unplaced, to be shown, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from digest.ingest import cues
from digest.ingest.clean import Line, clean_line
from digest.ingest.labels import Draft, Label, Labelled
from digest.ingest.page_matter import ArticleMatcher, PageMatter, assign_page_matter
from digest.models import PageText

Heads = list[tuple[str | None, str | None, str | None]]  # per article: kicker, headline, subhead
_CAPTION_MAX = 60


def place_loose_lines(
    page: PageText, labelled: Labelled, *, drafts: Sequence[Draft], bodies: Sequence[list[str]], heads: Heads
) -> tuple[list[PageMatter], list[str]]:
    """Per article, the headline and captions found for it among the loose lines (and the layout's
    heads and captions, for HTML); and the texts no article could be given. ``heads`` and the
    drafts' photographers are completed in place."""
    loose_captions = [
        i for i in labelled.loose if labelled.labels[i] is Label.CAPTION or _caption_like(labelled.lines[i])
    ]
    loose_rest = [i for i in labelled.loose if i not in loose_captions]
    texts = ["".join(body) for body in bodies]
    matcher = ArticleMatcher(texts) if labelled.loose or page.headlines or page.captions else None
    matter, unmatched = assign_page_matter(
        texts,
        [labelled.lines[i].text for i in loose_rest],
        headlines=[clean_line(h) for h in page.headlines],
        captions=[
            *(clean_line(c) for c in page.captions),
            *(_caption_text(labelled.lines[i].text) for i in loose_captions),
        ],
        has_headline=[head[1] is not None for head in heads],
        matcher=matcher,
    )
    if matcher is not None:
        _place_loose(
            labelled,
            loose=labelled.loose,
            matcher=matcher,
            drafts=drafts,
            heads=heads,
            matter=matter,
            unmatched=unmatched,
        )
    loose_texts = {labelled.lines[i].text for i in labelled.loose} | {
        _caption_text(labelled.lines[i].text) for i in labelled.loose
    }
    unplaced = [
        *(text for text in unmatched if text not in loose_texts),  # layout heads and captions
        *(labelled.lines[i].text for i in labelled.loose if labelled.labels[i] is Label.UNPLACED),
    ]
    return matter, unplaced


def _caption_like(line: Line) -> bool:
    return cues.is_caption_start(line.text) or cues.match_credit(line.text) is not None


def _caption_text(text: str) -> str:
    found = cues.match_credit(text)
    return cues.strip_caption_mark(found[0] if found else text)


def _place_loose(
    labelled: Labelled,
    *,
    loose: Sequence[int],
    matcher: ArticleMatcher,
    drafts: Sequence[Draft],
    heads: Heads,
    matter: Sequence[PageMatter],
    unmatched: list[str],
) -> None:
    """Label the loose lines by what matching made of them, and place what it could not.

    In a trailing block (PDF text order) a ——subhead follows its headline, and a caption that shares
    no words with any article goes to an article whose byline names a photographer but which has no
    caption yet (a credited photo is printed with a caption). What is still left is unplaced.
    """
    previous: int | None = None
    for i in loose:
        line = labelled.lines[i]
        text = _caption_text(line.text)
        index = matcher.best(text) if text not in unmatched else None
        if index is not None:
            labelled.owners[i] = index + 1
            is_headline = matter[index].headline == line.text
            labelled.labels[i] = Label.HEADLINE if is_headline else Label.CAPTION
            credit = cues.match_credit(line.text)
            if credit is not None:
                drafts[index].add_photographers(credit[1])
            previous = index
            continue
        subhead = cues.subhead_text(line.text)
        if subhead is not None and previous is not None and heads[previous][2] is None:
            kicker, headline, _ = heads[previous]
            heads[previous] = (kicker, headline, subhead)
            _claim(labelled, i, previous, Label.SUBHEAD, unmatched)
            continue
        owner = _photo_without_caption(text, drafts, matter, matcher)
        if owner is not None and len(text) <= _CAPTION_MAX and subhead is None:
            matter[owner].captions.append(text)
            _claim(labelled, i, owner, Label.CAPTION, unmatched)
            previous = owner
            continue
        labelled.labels[i] = Label.UNPLACED
    _kickers_before_headlines(labelled, loose, heads, unmatched)


def _kickers_before_headlines(
    labelled: Labelled,
    loose: Sequence[int],
    heads: Heads,
    unmatched: list[str],
) -> None:
    """An unplaced line right before a headline in the trailing block is that headline's kicker."""
    for i, following in pairwise(loose):
        if labelled.labels[i] is not Label.UNPLACED or labelled.labels[following] is not Label.HEADLINE:
            continue
        index = labelled.owners[following] - 1
        kicker, headline, subhead = heads[index]
        if kicker is None and len(labelled.lines[i].text) <= _CAPTION_MAX:
            heads[index] = (labelled.lines[i].text, headline, subhead)
            _claim(labelled, i, index, Label.KICKER, unmatched)


def _claim(labelled: Labelled, i: int, index: int, label: Label, unmatched: list[str]) -> None:
    labelled.owners[i] = index + 1
    labelled.labels[i] = label
    text = labelled.lines[i].text
    for candidate in (text, _caption_text(text)):
        if candidate in unmatched:
            unmatched.remove(candidate)
            break


def _photo_without_caption(
    text: str, drafts: Sequence[Draft], matter: Sequence[PageMatter], matcher: ArticleMatcher
) -> int | None:
    """The article most like ``text`` among those with a credited photographer and no caption yet."""
    candidates = [
        k
        for k, draft in enumerate(drafts)
        if draft.photographers and not draft.captions and not matter[k].captions
    ]
    if not candidates:
        return None
    shares = matcher.shares(text)
    return max(candidates, key=lambda k: (shares[k], -k))
