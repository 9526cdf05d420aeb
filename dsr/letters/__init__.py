"""Print-ready letters (DIN 5008, form B): the renderer and letters built from templates."""

from dsr.letters.din5008 import Letter, LetterError, render_letter

__all__ = ["Letter", "LetterError", "render_letter"]
