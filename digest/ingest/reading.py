"""Read a page in order: label every line with what it is and group the lines into article drafts.

A page gives several cues at once and none is enough alone: leads (本报讯), byline lines that open an
article (■记者 张三), closing bylines and source notes that end one, printed headline blocks (short lines
without a sentence end, a kicker above, a ——subhead below), captions, and the page's own matter
(headers, editor footers, column names). Each line first gets what its own text says (``cues``);
then one pass over the page, in order, decides what the ambiguous lines are from their neighbours and
from how this page as a whole is set:

- a line that follows a body line cut mid-sentence is that sentence's continuation, whatever it
  looks like (记者了解到 wrapped onto its own line is not a byline);
- a short line without a sentence end is a display line: a headline where an article can start
  (after a closing byline, at the top, before a lead or byline line), a section head inside an
  article on pages whose articles end with bylines, a paragraph start that lost its indent when it
  is about two characters short on pages that print no indents, and the page's trailing block of
  headlines and captions (PDF text order) when no article follows it;
- header lines gather the short lines between them (a header broken over lines).

Nothing is dropped: every line gets a label, and lines that belong to no article are returned as
loose lines for headline/caption matching, or reported as unplaced.

This module is longer than most: it is one pass with one state (the open article, the head lines
waiting for theirs, an open caption), and each rule needs that state; split, the rules would pass
it around instead of reading it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.ingest import cues
from digest.ingest.byline import Byline, split_byline
from digest.ingest.clean import TERMINAL, Line
from digest.ingest.labels import (
    DISPLAY,
    PAGE_MATTER,
    RUNS_ON,
    ColumnMeasure,
    Draft,
    Label,
    Labelled,
    LineWidths,
    own_cue,
)

# Punctuation inside a sentence: a paragraph's first line usually has some, a head often has none.
_INNER_PUNCT = re.compile(r"[，、；：,;:（）]")
_SECTION_HEAD_CHARS = 8
_OPENS_WITHIN = 4  # lines below a head that a lead or byline line may be to count as its article's
# A caption this long tells the news itself (a picture item); captions gathered in a trailing block
# name a scene in a few words.
_PICTURE_STORY = 30
_SHORT = 1.0  # characters narrower (or wider) than the column for a display line
_PARAGRAPH_START = 1.5  # a next line this much short is a paragraph start that lost its indent
_LOST_INDENT = (1.0, 3.5)  # how much shorter a paragraph's first line is when its indent was lost
_SPAN_MIN, _SPAN_SHARE = 3.0, 0.2  # how much wider than the column a spanning head is
_NEAR_FULL = 0.8  # inside an article, a line this close to the column's width is text, not a head
_HEADER_WORD = 8  # a word this short between header lines is part of the header (版名)
_STOPS_A_SENTENCE = frozenset({Label.LEAD, Label.CLOSE, Label.ORIGIN, Label.EDITORS})


class _Pass:
    def __init__(self, lines: list[Line], style: cues.HouseStyle) -> None:
        self.lines = lines
        self.style = style
        self.own = [own_cue(line, style) for line in lines]
        widths = LineWidths(lines)
        self.widths = widths
        # Digits and Latin letters print half as wide in some fonts and full width in others: a
        # line is short only when it is short counted either way.
        self.columns = ColumnMeasure(lines, self.own, widths)
        # Digits and Latin letters print half as wide in some fonts and full width in others: a
        # line is short only when it is short counted either way.
        self.sizes = [float(len(line.text)) for line in lines]
        # How this page is set, from all its lines at once.
        self.indents_kept = (
            sum(1 for i, line in enumerate(lines) if line.indented and self.own[i] is None) >= 3
        )
        closes = sum(1 for label in self.own if label in (Label.CLOSE, Label.ORIGIN))
        self.closes_total = closes
        self.labels: list[Label] = [Label.BODY] * len(lines)
        self.owners = [0] * len(lines)
        self.drafts: list[Draft] = []
        self.current: Draft | None = None  # the article whose body is open
        self.pending: list[int] = []  # display/byline lines waiting for the article they open
        self.pending_draft: Draft | None = None
        self.loose: list[int] = []
        self.open_caption: tuple[Draft, int] | None = None  # a caption that wraps onto the next line

    # state helpers ----------------------------------------------------------------------------------

    def _mid_sentence(self) -> bool:
        """Whether the last body line of the open article stopped in the middle of a sentence."""
        if self.current is None or not self.current.body or self.current.closed:
            return False
        last = len(self.current.body) - 1
        return not TERMINAL.search(self.current.body[last].text) and last not in self.current.sections

    def _start(self, i: int) -> Draft:
        """Open a new article at line ``i``; the pending display and byline lines are its head."""
        draft = self.pending_draft or Draft()
        self.pending_draft = None
        self.drafts.append(draft)
        for j in self.pending:
            self.owners[j] = len(self.drafts)
        self.pending = []
        self.current = draft
        return draft

    def _close(self) -> None:
        if self.current is not None:
            self.current.closed = True
        self.current = None

    def _pend(self, i: int, label: Label) -> Draft:
        """Line ``i`` belongs to the head of an article not yet started."""
        if self.current is not None:
            self._close()
        if label in DISPLAY and self._pending_is_picture():
            # The head above holds a headline and a captioned photo: a picture item of its own.
            self._start(i)
            self._close()
        if self.pending_draft is None:
            self.pending_draft = Draft()
        self.pending.append(i)
        self.labels[i] = label
        return self.pending_draft

    def _pending_is_picture(self) -> bool:
        draft = self.pending_draft
        return (
            draft is not None
            and any(len(caption) >= _PICTURE_STORY for caption in draft.captions)
            and any(self.labels[j] is Label.HEADLINE for j in self.pending)
            and self.labels[self.pending[-1]] in (Label.CAPTION, Label.CREDIT)
        )

    def _give_up_pending(self) -> None:
        """Pending head lines that no article followed: loose, for matching or reporting."""
        for j in self.pending:
            self.labels[j] = Label.LOOSE
            self.loose.append(j)
        self.pending = []
        self.pending_draft = None

    def _body(self, i: int, line: Line, label: Label = Label.BODY) -> None:
        draft = self.current or self._start(i)
        draft.body.append(line)
        self.labels[i] = label
        self.owners[i] = len(self.drafts)

    # the pass ---------------------------------------------------------------------------------------

    def run(self) -> Labelled:
        lines, own = self.lines, self.own
        for i in range(len(lines)):
            # The common case first: a plain line going on with the sentence the last one began.
            current = self.current
            if (
                current is not None
                and own[i] is None
                and self.open_caption is None
                and not lines[i].kind
                and self._mid_sentence()
            ):
                current.body.append(lines[i])
                self.owners[i] = len(self.drafts)
                continue
            self._line(i)
        self._give_up_pending()
        self._header_words()
        return Labelled(self.lines, self.labels, self.owners, self.drafts, self.loose)

    def _line(self, i: int) -> None:
        line = self.lines[i]
        own = self.own[i]
        if self._caption_goes_on(i, line):
            return
        # Whatever it looks like, a line that goes on with an unfinished sentence is its text; only
        # a lead, a closing byline or note, an editors' line or a whole page header stop a sentence.
        page_break = own is Label.HEADER and len(line.text) >= 4 and cues.is_header_line(line.text)
        # Type the layout set apart (a head, a caption under a photo) never continues body text:
        # the column's text goes on after it.
        if self._mid_sentence() and own not in _STOPS_A_SENTENCE and not page_break and not line.kind:
            self._body(i, line)
            return
        if own in PAGE_MATTER:
            self._page_matter(i, own)
        elif own is Label.LEAD:
            self._lead(i, line)
        elif own is Label.BYLINE:
            self._byline_line(i, line)
        elif own in (Label.KICKER, Label.SUBHEAD, Label.HEADLINE):
            self._display(i, own)
        elif own is Label.CAPTION:
            self._caption(i, line)
        elif own is Label.CLOSE:
            self._closing(i, line)
        elif own is Label.ORIGIN:
            self._origin(i, line)
        elif self._is_display(i):
            self._display(i, Label.HEADLINE)
        else:
            self._plain(i, line)

    def _byline_line(self, i: int, line: Line) -> None:
        """A line that is only a byline opens the article below it, unless no article body can
        follow (a lead, the page's end or its footer come next): then it closes the one above."""
        byline = cues.match_byline_open(line.text, self.style)
        following = self.own[i + 1] if i + 1 < len(self.own) else Label.EDITORS
        if self.current is not None and self.current.body and following in (Label.LEAD, *PAGE_MATTER):
            self.current.add_byline(byline)
            self.labels[i] = Label.CLOSE
            self.owners[i] = len(self.drafts)
            self._close()
            return
        self._pend(i, Label.BYLINE).add_byline(byline)

    def _page_matter(self, i: int, label: Label) -> None:
        self.labels[i] = label
        if label in (Label.HEADER, Label.EDITORS):
            # Short display lines just before a header line are the header's words (交城报 / 第3版).
            if self.pending and all(
                self.labels[j] is Label.HEADLINE and len(self.lines[j].text) <= _HEADER_WORD
                for j in self.pending
            ):
                for j in self.pending:
                    self.labels[j] = label
                self.pending = []
                self.pending_draft = None
            # Head lines that no article followed before the page's footer or the next page's header.
            self._give_up_pending()
        if self.current is not None and not self._mid_sentence():
            self._close()

    def _lead(self, i: int, line: Line) -> None:
        found = cues.match_lead(line.text, self.style)
        if found is None:  # own_cue saw a lead: never, but a line is never lost either way
            self._plain(i, line)
            return
        if self.current is not None:
            self._close()
        draft = self._start(i)
        draft.lead = found.lead
        draft.add_byline(found.byline)
        self.labels[i] = Label.LEAD
        self.owners[i] = len(self.drafts)
        if not found.rest:
            return
        rest = Line(found.rest, indented=True, number=line.number)
        # A one-sentence article may close on its lead's line: 本报讯 …。（记者 张三 摄）
        if split_byline(rest.text) is not None:
            self._closing(i, rest)
        elif cues.match_origin(rest.text) is not None:
            self._origin(i, rest)
        else:
            draft.body.append(rest)
        self.labels[i] = Label.LEAD

    def _is_display(self, i: int) -> bool:
        """A short (or over-long) line without a sentence end: a headline candidate."""
        line = self.lines[i]
        text = line.text
        if TERMINAL.search(text) or RUNS_ON.search(text) or len(text) < 2:
            return False
        gap = self._gap(i)
        if abs(gap) < _SHORT:
            # A full-width (or slightly wider) line is a headline only where an article can start,
            # and where one obviously starts after it or the line reads as a head.
            can_start = self.current is None or not self.current.body or self._ended()
            return can_start and (self._opens_next(i) or self._reads_as_head(i))
        # An indented line on a page that keeps indents starts a paragraph.
        return not (line.indented and self.indents_kept)

    def _ended(self) -> bool:
        return (
            self.current is not None
            and bool(self.current.body)
            and bool(TERMINAL.search(self.current.body[-1].text))
        )

    def _opens_next(self, i: int, within: int = _OPENS_WITHIN) -> bool:
        """Whether the lines after ``i`` (past other display lines) start an article: a lead or a
        byline line, at most ``within`` lines on."""
        j = self._next_after_display(i)
        return j is not None and j - i <= within and self.own[j] in (Label.LEAD, Label.BYLINE)

    def _looks_display(self, j: int) -> bool:
        text = self.lines[j].text
        return not TERMINAL.search(text) and not RUNS_ON.search(text) and abs(self._gap(j)) >= _SHORT

    def _gap(self, i: int) -> float:
        """How much narrower than its column line ``i`` is (negative: wider, e.g. a spanning headline)."""
        short = self.columns[i] - self.sizes[i]
        if short > 0:
            return short
        # Lines of a neighbouring, wider column run a few characters over; a head spanning columns
        # runs well over.
        over = self.widths[i] - self.columns[i]
        return -over if over >= max(_SPAN_MIN, _SPAN_SHARE * self.columns[i]) else 0.0

    def _display(self, i: int, label: Label) -> None:
        """A headline, kicker or subhead candidate: a new article's head, a section head, or loose."""
        line = self.lines[i]
        if self.current is None or not self.current.body:
            if label is Label.HEADLINE and self._body_starts_here(i):
                self._plain(i, line)
            else:
                self._pend(i, label)
            return
        # The open article has body text and its last sentence is complete.
        ahead = self._next_after_display(i)
        if ahead is None or self.own[ahead] in (Label.HEADER, Label.EDITORS, Label.FURNITURE):
            self._pend(i, label)  # the page's trailing block; matched to articles later
            return
        if self.own[ahead] in (Label.LEAD, Label.BYLINE, Label.COLUMN):
            self._pend(i, label)
            return
        if (
            label is Label.HEADLINE
            and self._next_runs_on(i)
            and not spaced_phrases(line.text)
            and (
                self._lost_indent(i)
                or (self.widths[i] >= _NEAR_FULL * self.columns[i] and not self._reads_as_head(i))
            )
        ):
            # A paragraph's first line that lost its indent, or one a little short for other reasons
            # (wide punctuation, digits): a head is set much shorter than the column.
            self._body(i, line)
            return
        if (
            label is Label.HEADLINE
            and i
            and self.labels[i - 1] is Label.SECTION
            and not cues.NUMBERED.match(line.text)
        ):
            self._body(i, line)  # a section head is one line; what follows it is text
            return
        if label is Label.HEADLINE and self._is_section_head(i, ahead):
            # A section head inside the article: its own paragraph, kept in the body.
            self.current.sections.add(len(self.current.body))
            self._body(i, line, Label.SECTION)
            return
        self._pend(i, label)

    def _body_starts_here(self, i: int) -> bool:
        """Whether a display-looking line where no article is open is the first line of the body:
        after an opening byline or a lead nothing but the body follows, and a line about two
        characters short on a page without indents lost its indent."""
        if any(self.labels[j] is Label.BYLINE for j in self.pending) and not self._opens_next(i):
            return True
        if self._opens_next(i) or not self._next_runs_on(i):
            return False
        text = self.lines[i].text
        if _INNER_PUNCT.search(text) and not spaced_phrases(text):
            # Where an article starts, a line with a comma in it a little short of the column is
            # its first line; heads seldom hold a comma.
            return not self.indents_kept and self._gap(i) <= _LOST_INDENT[1]
        # Without one it is the head, unless the line below runs on as the rest of its paragraph.
        if spaced_phrases(text) or self._next_starts_paragraph(i, _SHORT):
            return False
        return self._lost_indent(i)

    def _lost_indent(self, i: int) -> bool:
        """About two characters short on a page without indents: a paragraph start, not a head.

        Not when it reads as a head: two phrases set apart by a space, or a phrase without a comma
        above a line that is itself a paragraph start (short too)."""
        if self.indents_kept or not _LOST_INDENT[0] <= self._gap(i) <= _LOST_INDENT[1]:
            return False
        return not self._reads_as_head(i)

    def _reads_as_head(self, i: int) -> bool:
        """Set like a head: no punctuation inside a sentence, and either two phrases apart (多地出现
        高温天气 专家提醒注意防暑) or a paragraph starting right below it."""
        text = self.lines[i].text
        if _INNER_PUNCT.search(text):
            return False
        return spaced_phrases(text) or self._next_starts_paragraph(i)

    def _next_starts_paragraph(self, i: int, short: float = _PARAGRAPH_START) -> bool:
        j = i + 1
        if j >= len(self.lines) or self.own[j] is not None or TERMINAL.search(self.lines[j].text):
            return False
        return self._gap(j) >= short

    def _next_runs_on(self, i: int) -> bool:
        """Whether the line after ``i`` is plain text (the rest of a paragraph)."""
        if i + 1 >= len(self.lines) or self.own[i + 1] not in (None, Label.CLOSE, Label.ORIGIN):
            return False
        j = i + 1
        if self.indents_kept and self.lines[j].indented and not self.lines[i].indented:
            return False  # the next line starts a paragraph of its own: line i stands alone
        text = self.lines[j].text
        return (
            bool(TERMINAL.search(text))
            or bool(RUNS_ON.search(text))
            or self.widths[j] >= _NEAR_FULL * self.columns[j]
        )

    def _next_after_display(self, i: int) -> int | None:
        for j in range(i + 1, len(self.lines)):
            own = self.own[j]
            if own in (Label.KICKER, Label.SUBHEAD, Label.CAPTION):
                continue
            if own is None and self._looks_display(j):
                continue
            return j
        return None

    def _is_section_head(self, i: int, ahead: int) -> bool:
        """Whether display line ``i``, inside an open article and followed by plain text, is a section
        head of that article rather than the headline of a new one."""
        text = self.lines[i].text
        if cues.NUMBERED.match(text):
            return True
        if self.own[ahead] in (Label.CLOSE, Label.ORIGIN):
            return True
        if len(text) <= _SECTION_HEAD_CHARS and not spaced_phrases(text):
            return True  # 守护一方碧水: a few words heading a part of a feature; headlines say more
        if self.current is not None and self.current.writers:
            # Its byline was printed at its start (本报讯（记者 张三）, ■记者 张三): no closing byline
            # is owed, so a head after a finished sentence starts the next article.
            return False
        # On a page whose articles end with bylines, an article that has not ended yet goes on.
        return bool(self.closes_total) and self._close_before_next_start(ahead)

    def _close_before_next_start(self, j: int) -> bool:
        for k in range(j, len(self.lines)):
            own = self.own[k]
            if own is Label.CLOSE and self._photo_credit(k):
                continue  # the credit of a picture ends nothing
            if own in (Label.CLOSE, Label.ORIGIN):
                return True
            if own in (Label.LEAD, Label.BYLINE, Label.HEADER, Label.EDITORS, Label.COLUMN):
                return False
        return False

    def _photo_credit(self, k: int) -> bool:
        """A bracketed credit alone on its line, naming only photographers, under a caption."""
        split = split_byline(self.lines[k].text)
        if split is None or split[0] or split[1].writers:
            return False
        return k > 0 and (self.own[k - 1] is Label.CAPTION or self.labels[k - 1] is Label.CAPTION)

    def _plain(self, i: int, line: Line) -> None:
        if self.current is None and not self._sentence_ahead(i):
            # Lines that never reach a sentence end before the next article or the page's end are
            # no article: a trailing block of headlines and captions.
            self._pend(i, Label.HEADLINE)
            return
        if self.current is None:
            self._start(i)
        self._body(i, line)

    def _sentence_ahead(self, i: int) -> bool:
        for j in range(i, len(self.lines)):
            own = self.own[j]
            if own in (Label.CLOSE, Label.ORIGIN) or (own is None and TERMINAL.search(self.lines[j].text)):
                return True
            # A caption, or the page's own matter (a footer the layout put between two lines of a
            # column), does not end the text that runs past it.
            if own is not None and own is not Label.CAPTION and own not in PAGE_MATTER:
                return False
        return False

    def _caption(self, i: int, line: Line) -> None:
        self.labels[i] = Label.CAPTION
        text, names = _caption_parts(line.text)
        target = self.current if self.current is not None else (self.drafts[-1] if self.drafts else None)
        if self.pending or target is None or (self.current is None and self._opens_next(i, len(self.lines))):
            # Between articles: it belongs to the one that follows (or is matched when none does).
            draft = self.pending_draft or Draft()
            self.pending_draft = draft
            self.pending.append(i)
        else:
            draft = target
            self.owners[i] = self.drafts.index(target) + 1
        draft.captions.append(text)
        draft.add_photographers(names)
        # A caption that fills the column and has not ended goes on in the lines below it.
        if not names and not TERMINAL.search(text) and abs(self._gap(i)) < _SHORT:
            self.open_caption = (draft, i)

    def _caption_goes_on(self, i: int, line: Line) -> bool:
        """Take line ``i`` as the next line of a caption that wrapped, when it is one."""
        if self.open_caption is None:
            return False
        draft, first = self.open_caption
        own = self.own[i]
        if own not in (None, Label.CLOSE, Label.CAPTION) or (
            own is Label.CAPTION and cues.is_caption_start(line.text)
        ):
            self.open_caption = None
            return False
        text, names = _caption_parts(line.text)
        draft.captions[-1] += text
        draft.add_photographers(names)
        self.labels[i] = Label.CAPTION
        if self.owners[first]:
            self.owners[i] = self.owners[first]
        else:
            self.pending.append(i)
        if names or TERMINAL.search(text) or self._gap(i) >= _SHORT:
            self.open_caption = None  # the caption ends with its credit, its sentence or its short line
        return True

    def _closing(self, i: int, line: Line) -> None:
        split = split_byline(line.text)
        if split is None:
            self._plain(i, line)
            return
        before, byline = split
        previous = self.labels[i - 1] if i else None
        if not before and not byline.writers and previous in (Label.CAPTION,):
            # A photo credit under a picture: the article goes on.
            self.labels[i] = Label.CREDIT
            target = (
                self.pending_draft
                if self.pending
                else self.current or (self.drafts[-1] if self.drafts else None)
            )
            if target is not None:
                target.add_byline(Byline((), byline.photographers))
                if target is not self.pending_draft:
                    self.owners[i] = self.drafts.index(target) + 1
                else:
                    self.pending.append(i)
            return
        if not before and self.current is None and not self.pending and self.drafts:
            # A byline on its own line right after another one (文 then 图): the same article's.
            draft = self.drafts[-1]
            draft.add_byline(byline)
            self.labels[i] = Label.CLOSE
            self.owners[i] = len(self.drafts)
            return
        if not before and self.pending and not (self.current and self.current.body):
            draft = self._pend(i, Label.BYLINE)
            draft.add_byline(byline)
            return
        if before:
            self._body(i, Line(before, line.indented, line.blank_before, line.number), Label.CLOSE)
        draft = self.current or self._start(i)
        self.labels[i] = Label.CLOSE
        self.owners[i] = len(self.drafts)
        draft.add_byline(byline)
        self._close()

    def _origin(self, i: int, line: Line) -> None:
        found = cues.match_origin(line.text)
        if found is None:
            self._plain(i, line)
            return
        before, note = found
        if before:
            self._body(i, Line(before, line.indented, line.blank_before, line.number), Label.ORIGIN)
        target = self.current or (self.drafts[-1] if self.drafts else None)
        if target is None:
            target = self._start(i)
        target.origin = note if target.origin is None else f"{target.origin}；{note}"
        self.labels[i] = Label.ORIGIN
        self.owners[i] = self.drafts.index(target) + 1
        self._close()

    def _header_words(self) -> None:
        """A header broken over lines: short words between or right after header lines are header."""
        labels = self.labels
        for i, label in enumerate(labels):
            if label not in (Label.LOOSE, Label.HEADLINE, Label.COLUMN):
                continue
            if len(self.lines[i].text) > _HEADER_WORD:
                continue
            before = labels[i - 1] if i else None
            after = labels[i + 1] if i + 1 < len(labels) else None
            if before is Label.HEADER and (after is Label.HEADER or label is Label.LOOSE):
                self._to_header(i)

    def _to_header(self, i: int) -> None:
        # Runs before the drafts' head lines are gathered (_fill_display): taking the line from its
        # owner is enough.
        if i in self.loose:
            self.loose.remove(i)
        self.owners[i] = 0
        self.labels[i] = Label.HEADER


def label_lines(lines: Sequence[Line], style: cues.HouseStyle = cues.COMMON) -> Labelled:
    """Label the page's lines and group them into drafts (see the module's docstring)."""
    labelled = _Pass(list(lines), style).run()
    _fill_display(labelled)
    return labelled


def _fill_display(labelled: Labelled) -> None:
    """Each draft's head lines (kicker, headline, subhead) in page order."""
    for i, (label, owner) in enumerate(zip(labelled.labels, labelled.owners, strict=True)):
        if owner and label in DISPLAY:
            labelled.drafts[owner - 1].display.append((label, labelled.lines[i]))


def _caption_parts(text: str) -> tuple[str, tuple[str, ...]]:
    """A caption line's text without its mark and credit, and the photographers the credit names."""
    credit = cues.match_credit(text)
    if credit is not None:
        text, names = credit
        return cues.strip_caption_mark(text), names
    text = cues.strip_caption_mark(text)
    closing = split_byline(text)
    if closing is None:
        return text, ()
    before, byline = closing
    return before, (*byline.photographers, *byline.writers)


# Two phrases set apart by a space (多地出现高温天气 专家提醒注意防暑) is how heads are set; running
# text has no space between Chinese characters once cleaned, except inside quoted names and slogans.
_SPACED_PHRASES = re.compile(r"[\u4e00-\u9fff”] [“\u4e00-\u9fff]")
_QUOTED = re.compile(r"“[^”]*”")


def spaced_phrases(text: str) -> bool:
    return bool(_SPACED_PHRASES.search(_QUOTED.sub("“”", text)))
