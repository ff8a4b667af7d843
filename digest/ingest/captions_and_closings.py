"""Rules for the lines that hang off an article: captions, photo credits, closing bylines, source notes.

A caption belongs to the article it stands in, or to the one that follows when it stands between
two, and goes on in the lines below while it fills the column without ending; a credit under a
caption names the photographers and ends nothing; a closing byline (（记者 张三）) or a source note
(（据新华社）) ends the article it follows.
"""

from __future__ import annotations

from digest.ingest import cues
from digest.ingest.byline import Byline, split_byline
from digest.ingest.clean import TERMINAL, Line
from digest.ingest.labels import Draft, Label
from digest.ingest.page_shape import SHORT
from digest.ingest.reading_state import ReadingState


class CaptionsAndClosings(ReadingState):
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
        if not names and not TERMINAL.search(text) and abs(self._gap(i)) < SHORT:
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
        if names or TERMINAL.search(text) or self._gap(i) >= SHORT:
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
