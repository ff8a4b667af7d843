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

It is one pass with one state (the open article, the head lines waiting for theirs, an open caption),
and each rule needs that state, so the rules are methods of one class built up in layers rather than
functions the state is passed around to: ``page_shape`` (how the page is set, and what each line
looks like against it), ``reading_state`` (the state, and the moves that open, close and hold back
articles), ``head_rules`` (display lines) and ``captions_and_closings`` (captions, credits, closing
bylines, source notes). This module adds the pass itself: leads, byline lines, the page's own
matter and the header words.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.ingest import cues
from digest.ingest.byline import split_byline
from digest.ingest.captions_and_closings import CaptionsAndClosings
from digest.ingest.clean import Line
from digest.ingest.head_rules import HeadRules
from digest.ingest.labels import DISPLAY, PAGE_MATTER, Label, Labelled

_HEADER_WORD = 8  # a word this short between header lines is part of the header (版名)
_STOPS_A_SENTENCE = frozenset({Label.LEAD, Label.CLOSE, Label.ORIGIN, Label.EDITORS})


class _Pass(HeadRules, CaptionsAndClosings):
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
