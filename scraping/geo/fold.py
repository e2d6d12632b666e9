"""Place names folded to one form for comparison: what is typed and what the data spells.

"São Paulo", "SAO PAULO" and "Sao-Paulo" are all "sao paulo"; "St. John's" is "saint johns". The
same folding serves the indexes (`fold_lines`, a block of names at a time) and the text (`fold`).
"""

from __future__ import annotations

import unicodedata

# Letters NFKD leaves whole, spelled the way people type them without the key ("ß" is casefolded to
# "ss" already). Whatever is still not ASCII after NFKD (accents, other scripts) is dropped: typed
# Latin text folds to ASCII, and ASCII text is what str methods handle fastest.
_LETTERS = (
    ("ø", "o"),
    ("æ", "ae"),
    ("œ", "oe"),
    ("đ", "d"),
    ("ł", "l"),
    ("ı", "i"),
    ("þ", "th"),
    ("ð", "d"),
    ("ħ", "h"),
    ("‐", " "),
    ("–", " "),
    ("—", " "),
)
# Punctuation inside names ("St. John's", "Winston-Salem", "Frankfurt (Oder)"): a space or nothing.
_PUNCTUATION = ((".", ""), ("'", ""), ("`", ""), ("&", " and "), ("-", " "), ("(", " "), (")", " "))
# Abbreviations that start many place names, read as the word they stand for.
_WORDS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


def fold(text: str) -> str:
    """A name as its index key: lowercase, no accents or punctuation, single spaces, no leading "the"."""
    words = [_WORDS.get(word, word) for word in _fold_letters(text).split()]
    if len(words) > 1 and words[0] == "the":
        del words[0]
    return " ".join(words)


def fold_lines(text: str) -> str:
    """`fold` applied to each line of `text`: one pass over a block of names instead of one a name.

    Plain string replacements throughout: a regular expression over a block of names is slower.
    """
    text = _fold_letters(text).replace("\t", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    padded = " " + text.replace("\n ", "\n").replace(" \n", "\n").strip(" ").replace("\n", " \n ") + " "
    for short, word in _WORDS.items():
        while f" {short} " in padded:  # again for a word right after one replaced: "st st"
            padded = padded.replace(f" {short} ", f" {word} ")
    return ("\n" + padded[1:-1].replace(" \n ", "\n")).replace("\nthe ", "\n")[1:]


def _fold_letters(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        for old, new in _LETTERS:
            if old in text:
                text = text.replace(old, new)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    for old, new in _PUNCTUATION:
        if old in text:
            text = text.replace(old, new)
    return text
