"""The reading pass's state, and the moves that change it: open, close and hold back articles.

ReadingState adds to the page (``page_shape``) what the pass has decided so far: every line's label
and owning draft, the drafts, the article whose body is open, the head lines waiting for the article
they open, and a caption that wraps onto the next line. The rules (``head_rules``,
``captions_and_closings``, ``reading``) are its subclasses: each reads the one state directly rather
than having it passed around.
"""

from __future__ import annotations

from digest.ingest import cues
from digest.ingest.clean import TERMINAL, Line
from digest.ingest.labels import DISPLAY, Draft, Label
from digest.ingest.page_shape import PageShape

# A caption this long tells the news itself (a picture item); captions gathered in a trailing block
# name a scene in a few words.
_PICTURE_STORY = 30


class ReadingState(PageShape):
    def __init__(self, lines: list[Line], style: cues.HouseStyle) -> None:
        super().__init__(lines, style)
        self.labels: list[Label] = [Label.BODY] * len(lines)
        self.owners = [0] * len(lines)
        self.drafts: list[Draft] = []
        self.current: Draft | None = None  # the article whose body is open
        self.pending: list[int] = []  # display/byline lines waiting for the article they open
        self.pending_draft: Draft | None = None
        self.loose: list[int] = []
        self.open_caption: tuple[Draft, int] | None = None  # a caption that wraps onto the next line

    def _mid_sentence(self) -> bool:
        """Whether the last body line of the open article stopped in the middle of a sentence."""
        if self.current is None or not self.current.body or self.current.closed:
            return False
        last = len(self.current.body) - 1
        return not TERMINAL.search(self.current.body[last].text) and last not in self.current.sections

    def _ended(self) -> bool:
        return (
            self.current is not None
            and bool(self.current.body)
            and bool(TERMINAL.search(self.current.body[-1].text))
        )

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

    def _plain(self, i: int, line: Line) -> None:
        if self.current is None and not self._sentence_ahead(i):
            # Lines that never reach a sentence end before the next article or the page's end are
            # no article: a trailing block of headlines and captions.
            self._pend(i, Label.HEADLINE)
            return
        if self.current is None:
            self._start(i)
        self._body(i, line)
