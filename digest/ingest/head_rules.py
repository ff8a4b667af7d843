"""Rules for display lines: short lines without a sentence end, and what each is on this page.

A display line is a headline where an article can start (after a closing byline, at the top, before
a lead or byline line), a section head inside an article on pages whose articles end with bylines,
a paragraph start that lost its indent when it is about two characters short on pages that print no
indents, and part of the page's trailing block of headlines and captions (PDF text order) when no
article follows it.
"""

from __future__ import annotations

from digest.ingest import cues
from digest.ingest.byline import split_byline
from digest.ingest.clean import TERMINAL
from digest.ingest.labels import RUNS_ON, Label
from digest.ingest.page_shape import INNER_PUNCT, LOST_INDENT, NEAR_FULL, SHORT, spaced_phrases
from digest.ingest.reading_state import ReadingState

_SECTION_HEAD_CHARS = 8


class HeadRules(ReadingState):
    def _is_display(self, i: int) -> bool:
        """A short (or over-long) line without a sentence end: a headline candidate."""
        line = self.lines[i]
        text = line.text
        if TERMINAL.search(text) or RUNS_ON.search(text) or len(text) < 2:
            return False
        gap = self._gap(i)
        if abs(gap) < SHORT:
            # A full-width (or slightly wider) line is a headline only where an article can start,
            # and where one obviously starts after it or the line reads as a head.
            can_start = self.current is None or not self.current.body or self._ended()
            return can_start and (self._opens_next(i) or self._reads_as_head(i))
        # An indented line on a page that keeps indents starts a paragraph.
        return not (line.indented and self.indents_kept)

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
                or (self.widths[i] >= NEAR_FULL * self.columns[i] and not self._reads_as_head(i))
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
        if INNER_PUNCT.search(text) and not spaced_phrases(text):
            # Where an article starts, a line with a comma in it a little short of the column is
            # its first line; heads seldom hold a comma.
            return not self.indents_kept and self._gap(i) <= LOST_INDENT[1]
        # Without one it is the head, unless the line below runs on as the rest of its paragraph.
        if spaced_phrases(text) or self._next_starts_paragraph(i, SHORT):
            return False
        return self._lost_indent(i)

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
