"""Print-ready letters (DIN 5008, form B): the renderer and letters built from templates.

The renderer (reportlab) is loaded on the first letter, not when the web app starts."""

from __future__ import annotations

from dsr.answers.letters.letter import Letter, LetterError

__all__ = ["Letter", "LetterError", "render_letter"]


def render_letter(letter: Letter) -> bytes:
    """The letter as PDF bytes (see :func:`dsr.answers.letters.din5008.render_letter`)."""
    from dsr.answers.letters.din5008 import render_letter as render

    return render(letter)
