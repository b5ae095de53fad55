"""Normalisation of Japanese names so that searches match across kana, width and kanji variants."""

from __future__ import annotations

import unicodedata

import jaconv

__all__ = ["VARIANT_KANJI", "normalize_for_search"]

# Old (旧字体) and variant (異体字) forms that registries and staff write interchangeably in
# names; a searcher typing the common form must still find 髙橋 or 齋藤. Pairs that are
# distinct surnames in practice (斎/斉, 竜/龍, 渕/淵) are deliberately not merged.
VARIANT_KANJI: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "嶋": "島",
    "嶌": "島",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斉",
    "濱": "浜",
    "澤": "沢",
    "櫻": "桜",
    "廣": "広",
    "國": "国",
    "德": "徳",
    "惠": "恵",
    "眞": "真",
    "冨": "富",
    "槇": "槙",
    "\ufa10": "塚",  # 塚 compatibility ideograph; NFKC already maps it, kept for direct lookups
    "𠮷": "吉",
    "靑": "青",
    "峯": "峰",
    "瀨": "瀬",
    "瀧": "滝",
    "條": "条",
    "淺": "浅",
    "藏": "蔵",
    "榮": "栄",
    "黑": "黒",
    "關": "関",
    "實": "実",
    "壽": "寿",
    "萬": "万",
    "龜": "亀",
    "傳": "伝",
    "彌": "弥",
    "禮": "礼",
    "圓": "円",
    "兒": "児",
    "豐": "豊",
    "驒": "騨",
    "遙": "遥",
}

# Separators people may or may not type inside a name (ジョン・スミス, 山田 太郎, ヤマダ-タロウ).
# The long-vowel mark ー is not among them: it is part of the reading (ユーコ ≠ ユコ).
_SEPARATORS = "・·‧-‐‑‒–—―−゠="
# Invisible characters that survive copy-and-paste from web pages and spreadsheets.
_INVISIBLES = "\u200b\u200c\u200d\u2060\ufeff"

_VARIANT_TABLE = str.maketrans(VARIANT_KANJI)
_DROP_TABLE = str.maketrans(dict.fromkeys(_SEPARATORS + _INVISIBLES))

# NFKC, casefold and deletions can each expose input for another step (a deleted space can
# bring a bare voiced mark next to its kana), so the pipeline is repeated until stable.
_MAX_PASSES = 4


def _one_pass(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Control characters (NUL above all: PostgreSQL refuses it in text) never match a name.
    text = "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cc"
    ).translate(_DROP_TABLE)
    text = unicodedata.normalize("NFKC", text)
    text = jaconv.kata2hira(text)
    text = text.translate(_VARIANT_TABLE)
    return unicodedata.normalize("NFKC", text.casefold())


def normalize_for_search(text: str | None) -> str:
    """Return a search key, e.g. "ﾔﾏﾀﾞ"/"ヤマダ"/"やまだ" -> "やまだ", "髙橋 一郎" -> "高橋一郎"."""
    if not text:
        return ""
    for _ in range(_MAX_PASSES):
        normalised = _one_pass(text)
        if normalised == text:
            break
        text = normalised
    return text
