"""Re-joining hard-wrapped lines into a paragraph's text, on real cables."""

from __future__ import annotations

from cableparse.normalize import join_lines

from .test_cable import DEV, para, record_of


def test_a_word_hyphenated_at_a_line_end_is_joined_keeping_the_hyphen() -> None:
    # "...THE MOST INFLUENTIAL HAS BEEN THE SO-" / "CALLED "LAWYERS CIRCLE" (REF A)."
    text = para(record_of(DEV / "03SOFIA88.txt"), 2)["text"]
    assert 'HAS BEEN THE SO-CALLED "LAWYERS CIRCLE" (REF A). IT IS COMPOSED' in text


def test_a_blank_line_after_a_sentence_end_starts_a_new_block() -> None:
    # Paragraph 1 ends its first block with "...WEEKLY REPORT OF MARCH 13:", a blank line and a
    # page break, then goes on with the list of districts.
    text = para(record_of(DEV / "01HARARE1108.txt"), 1)["text"]
    assert "WEEKLY REPORT OF MARCH 13:\n\n= MASHONALAND CENTRAL: MUZARABANI DISTRICT:" in text
    # Within a block, the wrapped lines are joined by one space.
    assert "DURING THE PAST SEVEN DAYS AND FLOODING" in text


def test_a_blank_line_inside_a_sentence_joins_like_a_wrap() -> None:
    assert join_lines(["The minister said that", "", "the talks would go on."]) == (
        "The minister said that the talks would go on."
    )
