"""Tests for search normalisation of Japanese names in tsunagu.core.japanese."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.core.japanese import VARIANT_KANJI, normalize_for_search

# ァ (U+30A1) to ヶ (U+30F6) plus the long-vowel mark: every katakana with a hiragana partner.
katakana_text = st.text(
    alphabet=st.sampled_from([chr(c) for c in range(0x30A1, 0x30F7)] + ["ー"]),
    min_size=1,
)


@given(st.text())
def test_normalising_twice_gives_the_same_result_as_normalising_once(text: str) -> None:
    once = normalize_for_search(text)
    assert normalize_for_search(once) == once


@given(katakana_text)
def test_half_width_full_width_katakana_and_hiragana_normalise_alike(text: str) -> None:
    half_width = jaconv.z2h(text, kana=True, ascii=False, digit=False)
    hiragana = jaconv.kata2hira(text)
    assert (
        normalize_for_search(half_width)
        == normalize_for_search(text)
        == normalize_for_search(hiragana)
    )


@given(katakana_text)
def test_normalised_katakana_contains_no_katakana_except_the_long_vowel_mark(text: str) -> None:
    normalised = normalize_for_search(text)
    assert all(ch == "ー" or not 0x30A1 <= ord(ch) <= 0x30F6 for ch in normalised)


@given(st.text())
def test_normalised_text_contains_no_whitespace(text: str) -> None:
    assert not any(ch.isspace() for ch in normalize_for_search(text))


@given(st.text(), st.text())
def test_spaces_and_middle_dots_between_names_do_not_matter(first: str, last: str) -> None:
    joined = normalize_for_search(first + last)
    assert normalize_for_search(f"{first} {last}") == joined
    assert normalize_for_search(f"{first}\u3000{last}") == joined
    assert normalize_for_search(f"{first}・{last}") == joined


def test_half_width_katakana_normalises_to_hiragana() -> None:
    assert normalize_for_search("ﾔﾏﾀﾞ") == "やまだ"
    assert normalize_for_search("ヤマダ") == "やまだ"
    assert normalize_for_search("やまだ") == "やまだ"


def test_voiced_marks_on_half_width_kana_are_joined_to_their_kana() -> None:
    assert normalize_for_search("ｶﾞｯｺｳ") == normalize_for_search("がっこう")
    assert normalize_for_search("ﾊﾟﾝ") == "ぱん"
    assert normalize_for_search("ｳﾞｨ") == "ゔぃ"


def test_a_variant_kanji_name_with_a_space_matches_the_common_form() -> None:
    assert normalize_for_search("髙橋 一郎") == normalize_for_search("高橋一郎") == "高橋一郎"
    assert normalize_for_search("山﨑\u3000太郎") == "山崎太郎"
    assert normalize_for_search("齋藤") == "斎藤"
    assert normalize_for_search("𠮷田") == "吉田"


def test_similar_but_distinct_surnames_stay_distinct() -> None:
    assert normalize_for_search("斎藤") != normalize_for_search("斉藤")


def test_the_long_vowel_mark_is_kept_but_separators_are_removed() -> None:
    assert normalize_for_search("ユーコ") == "ゆーこ"
    assert normalize_for_search("ｼﾞｮﾝ･ｽﾐｽ") == "じょんすみす"
    assert normalize_for_search("ジョン・スミス") == "じょんすみす"
    assert normalize_for_search("ヤマダ-タロウ") == "やまだたろう"


def test_full_width_latin_letters_become_lower_case_ascii() -> None:
    assert normalize_for_search("ＹＡＭＡＤＡ Taro") == "yamadataro"
    assert normalize_for_search("Straße") == normalize_for_search("STRASSE")


@pytest.mark.parametrize("text", ["", None])
def test_empty_input_gives_an_empty_key(text: str | None) -> None:
    assert normalize_for_search(text) == ""


def test_whitespace_only_input_gives_an_empty_key() -> None:
    assert normalize_for_search(" \u3000\t\n") == ""


@pytest.mark.parametrize(
    ("variant", "common"),
    [
        ("髙", "高"),
        ("﨑", "崎"),
        ("嶋", "島"),
        ("邊", "辺"),
        ("邉", "辺"),
        ("齋", "斎"),
        ("齊", "斉"),
        ("濱", "浜"),
        ("澤", "沢"),
        ("櫻", "桜"),
        ("廣", "広"),
        ("國", "国"),
        ("德", "徳"),
        ("惠", "恵"),
        ("眞", "真"),
        ("冨", "富"),
        ("槇", "槙"),
        ("\ufa10", "\u585a"),
        ("𠮷", "吉"),
        ("靑", "青"),
    ],
)
def test_required_variant_kanji_normalise_to_their_common_form(variant: str, common: str) -> None:
    assert normalize_for_search(variant) == common
    assert normalize_for_search(f"{variant}田") == normalize_for_search(f"{common}田")


@pytest.mark.parametrize(("variant", "common"), sorted(VARIANT_KANJI.items()))
def test_every_variant_table_entry_is_applied_and_its_target_is_stable(
    variant: str, common: str
) -> None:
    assert normalize_for_search(variant) == common
    assert normalize_for_search(common) == common
    assert common not in VARIANT_KANJI
