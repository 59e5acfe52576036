"""The language chainrule writes its texts for a learner in: English, or Korean.

Key idea: the step tables, chain-rule sentences, ``explain``, frame captions, the
model summary and the learner warnings are written through :func:`say`, which
looks the English text up in the Korean phrases of the module that writes it.
One setting, ``set_language('ko')``, switches them all; error messages stay in
English, as in the rest of the Python ecosystem.  Each module keeps its Korean
phrases beside its English ones (a dict named ``KOREAN``), in the glossary's
words (docs/glossary.md).

>>> set_language('ko')
>>> say('step', {'step': '단계'})
'단계'
>>> set_language('en')
>>> say('step', {'step': '단계'})
'step'
"""
from __future__ import annotations

from typing import Mapping

__all__ = ["set_language", "get_language", "say", "LANGUAGES"]

LANGUAGES = ("en", "ko")
_language = "en"


def set_language(language: str) -> None:
    """Write the texts for a learner in ``language``: ``'en'`` (the default) or ``'ko'``.

    >>> set_language('ko'); get_language()
    'ko'
    >>> set_language('en')
    """
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"set_language: {language!r} is not one of {', '.join(map(repr, LANGUAGES))}")
    _language = language


def get_language() -> str:
    """The language set by :func:`set_language` (``'en'`` unless changed).

    >>> get_language()
    'en'
    """
    return _language


def say(text: str, korean: Mapping[str, str], /, **fields) -> str:
    """``text`` (an English template) in the current language, its ``{fields}`` filled in.

    ``korean`` maps the English template to its Korean one; a text it lacks is
    written in English (a test checks that the library's own texts are all there).

    >>> say('{n} neurons', {'{n} neurons': '뉴런 {n}개'}, n=3)
    '3 neurons'
    """
    template = korean.get(text, text) if _language == "ko" else text
    return template.format(**fields) if fields else template
