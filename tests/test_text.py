from garblecheck.text.words import LineIndex, count_words, normalize, sentence_spans, tokenize


def sents(text):
    return [text[s.start : s.end] for s in sentence_spans(text)]


def test_sentences_keep_exact_offsets_with_crlf_nbsp_and_curly_quotes():
    text = "Officials said on Monday.\r\nThe minister’s aide\u00a0left early. “It is over,” she said.\r\n"
    out = sentence_spans(text)
    assert [text[s.start : s.end] for s in out] == [
        "Officials said on Monday.",
        "The minister’s aide\u00a0left early.",
        "“It is over,” she said.",
    ]


def test_headline_without_final_punctuation_and_bullets_stand_alone():
    text = "Pakistan Urges Talks With Kabul\nThe prime minister wrote a letter.\n- first point\n- second point"
    assert sents(text) == [
        "Pakistan Urges Talks With Kabul",
        "The prime minister wrote a letter.",
        "- first point",
        "- second point",
    ]


def test_a_sentence_may_open_with_any_opening_quote():
    text = "He left. «Tons of people came,» she said. (Officials agreed.)"
    assert sents(text) == ["He left.", "«Tons of people came,» she said.", "(Officials agreed.)"]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Mr. Khan met U.S. officials. Then M. J. Akbar spoke. It ended at 3 p.m. on Friday."
    assert sents(text) == ["Mr. Khan met U.S. officials.", "Then M. J. Akbar spoke.", "It ended at 3 p.m. on Friday."]


def test_wrapped_prose_lines_join_into_one_sentence():
    text = "The official said the letter\nwas sent last week.\n\nA new paragraph."
    assert sents(text) == ["The official said the letter\nwas sent last week.", "A new paragraph."]


def test_dashes_and_quotes_inside_a_sentence():
    text = "The TTP — a banned group — said “we will fight” on Sunday."
    assert sents(text) == [text]


def test_tokens_protect_names_acronyms_numbers_urls_and_email():
    text = "Officials in Islamabad told VOA that 1,000 fighters crossed; see https://example.org/a or mail info@example.org."
    toks = {t.text: t for t in tokenize(text)}
    assert toks["Officials"].protected is False  # sentence-initial
    assert toks["Islamabad"].protected and toks["VOA"].protected
    assert toks["1,000"].kind == "number" and toks["1,000"].protected
    assert toks["https://example.org/a"].kind == "url" and toks["https://example.org/a"].protected
    assert toks["info@example.org"].kind == "email"
    assert toks["fighters"].protected is False
    for t in tokenize(text):
        assert text[t.start : t.end] == t.text


def test_capital_after_opening_quote_is_not_a_name_but_all_caps_headline_words_are_not_acronyms():
    text = 'He said, “Tons of people came.”'
    toks = {t.text: t for t in tokenize(text)}
    assert toks["Tons"].protected is False
    shout = tokenize("TONS OF PEOPLE FLED THE CITY")
    assert not any(t.protected for t in shout)


def test_curly_apostrophe_normalises_and_hyphenated_words_are_one_token():
    toks = tokenize("Kabul just isn’t doing cross-border work")
    assert [t.norm for t in toks] == ["kabul", "just", "isn't", "doing", "cross-border", "work"]
    assert normalize("  Tons   OF ") == "tons of"


def test_count_words_and_line_index():
    text = "one two\r\nthree four five\nsix"
    assert count_words(text) == 6
    li = LineIndex(text)
    assert li.line_col(0) == (1, 1)
    assert li.line_col(text.index("three")) == (2, 1)
    assert li.line_col(text.index("five")) == (2, 12)
    assert li.line_col(text.index("six")) == (3, 1)


def test_empty_and_whitespace_text():
    assert sentence_spans("") == []
    assert sentence_spans(" \n\n \r\n") == []
    assert tokenize("") == []


def test_sentences_a_scraper_ran_together_are_split_at_the_capital():
    text = "The truce began.The din of war stopped. He met Mr.Smith in the U.S.A. It is 3.5 percent."
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "The truce began.", "The din of war stopped.", "He met Mr.Smith in the U.S.A.", "It is 3.5 percent."]
