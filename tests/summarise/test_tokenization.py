"""The Randeng-Pegasus tokenizer on a small hand-written BERT vocabulary, and strip_cjk_spaces."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from digest.summarise.tokenization import PegasusJiebaTokenizer, strip_cjk_spaces

SENTENCE = "交城县召开经济工作会议"

# BERT layout: control entries first, then characters, words and pieces. Of the words jieba cuts SENTENCE
# into, 交城县, 召开 and 会议 are entries while 经济 and 工作 are not, so those two fall back to characters.
VOCAB = [
    "[PAD]",
    "[unused1]",
    "[unused2]",
    "[unused3]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *"交城县召开经济工作会议年月日本报讯我们的是在，。！、“”,.!-$",
    "交城县",
    "召开",
    "会议",
    "本报讯",
    "我们",
    "2024",
    "19",
    "7",
    "5",
    "a",
    "e",
    "caf",
    "hello",
    "world",
    "cov",
    "##id",
    "un",
    "##aff",
    "##able",
    "##年",
    "##a",
]


@pytest.fixture(scope="module")
def vocab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("randeng")
    (directory / "vocab.txt").write_text("".join(token + "\n" for token in VOCAB), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def tok(vocab_dir: Path) -> PegasusJiebaTokenizer:
    return PegasusJiebaTokenizer(vocab_dir / "vocab.txt")


def vid(token: str) -> int:
    return VOCAB.index(token)


def test_jieba_cuts_the_test_sentence_as_the_vocabulary_assumes() -> None:
    # The other tests rely on this cut; if jieba's dictionary changes, this says so first.
    assert jieba.lcut(SENTENCE, HMM=False) == ["交城县", "召开", "经济", "工作", "会议"]


def test_special_tokens_take_over_bert_entries(tok: PegasusJiebaTokenizer) -> None:
    assert tok.pad_token_id == vid("[PAD]") == 0
    assert tok.eos_token_id == vid("[unused1]")
    assert tok.unk_token_id == vid("[UNK]")
    assert tok.mask_token_ids == (vid("[unused2]"), vid("[unused3]"))
    assert tok.vocab_size == len(VOCAB)
    assert tok.convert_tokens_to_ids(["</s>", "<pad>", "<unk>", "<mask_1>", "<mask_2>"]) == [1, 0, 4, 2, 3]
    # The BERT names are gone: they read as unknown, as any other missing token does.
    assert tok.convert_tokens_to_ids(["[unused1]", "no-such-token"]) == [tok.unk_token_id] * 2


def test_jieba_words_in_the_vocabulary_are_one_token(tok: PegasusJiebaTokenizer) -> None:
    assert tok.tokenize(SENTENCE) == ["交城县", "召开", "经", "济", "工", "作", "会议"]
    assert tok.tokenize("本报讯 2024年7月") == ["本报讯", "2024", "年", "7", "月"]


def test_characters_missing_from_the_vocabulary_are_unknown(tok: PegasusJiebaTokenizer) -> None:
    assert tok.tokenize("交城龘") == ["交", "城", "<unk>"]


def test_latin_is_lower_cased_and_loses_accents(tok: PegasusJiebaTokenizer, vocab_dir: Path) -> None:
    # jieba cuts "CAFÉ" into "CAF" and "É" (it only joins ASCII letters); each is then folded on its own.
    assert tok.tokenize("CAFÉ HELLO") == ["caf", "e", "hello"]
    cased = PegasusJiebaTokenizer(vocab_dir / "vocab.txt", do_lower_case=False)
    assert cased.tokenize("HELLO hello") == ["<unk>", "hello"]


def test_punctuation_is_split_off(tok: PegasusJiebaTokenizer) -> None:
    assert tok.tokenize("Hello,World!") == ["hello", ",", "world", "!"]
    assert tok.tokenize("我们，会议。") == ["我们", "，", "会议", "。"]
    assert tok.tokenize("$5") == ["$", "5"]


def test_wordpiece_and_unknown_words(tok: PegasusJiebaTokenizer) -> None:
    assert tok.tokenize("COVID-19") == ["cov", "##id", "-", "19"]
    assert tok.tokenize("unaffable") == ["un", "##aff", "##able"]
    # One unmatched piece makes the whole word unknown, not just the piece.
    assert tok.tokenize("unaffablex") == ["<unk>"]
    # BERT gives up on words over 100 characters, even ones its pieces could spell.
    assert tok.tokenize("a" * 100) == ["a"] + ["##a"] * 99
    assert tok.tokenize("a" * 101) == ["<unk>"]
    assert tok.encode("xyz") == [tok.unk_token_id, tok.eos_token_id]


def test_control_characters_and_whitespace_vanish(tok: PegasusJiebaTokenizer) -> None:
    assert tok.tokenize("交城\x00\u200b\n\t 县") == ["交", "城", "县"]


def test_encode_appends_eos_and_no_bos(tok: PegasusJiebaTokenizer) -> None:
    ids = tok.encode(SENTENCE)
    assert ids[0] == vid("交城县")
    assert ids[-1] == tok.eos_token_id
    assert ids.count(tok.eos_token_id) == 1
    assert ids[:-1] == tok.convert_tokens_to_ids(tok.tokenize(SENTENCE))
    assert tok.encode("") == [tok.eos_token_id]


def test_literal_special_tokens_in_text_stay_text(tok: PegasusJiebaTokenizer) -> None:
    # Articles are untrusted: "</s>" in the text must not end the model's input early.
    ids = tok.encode("</s><pad>交城")
    assert ids.count(tok.eos_token_id) == 1
    assert tok.pad_token_id not in ids


def test_truncation_keeps_eos(tok: PegasusJiebaTokenizer) -> None:
    full = tok.encode(SENTENCE)
    assert tok.encode(SENTENCE, max_length=4) == [*full[:3], tok.eos_token_id]
    assert tok.encode(SENTENCE, max_length=1) == [tok.eos_token_id]
    assert tok.encode(SENTENCE, max_length=100) == full
    with pytest.raises(ValueError, match="max_length"):
        tok.encode(SENTENCE, max_length=0)


def test_model_max_length_is_the_default_limit(vocab_dir: Path) -> None:
    short = PegasusJiebaTokenizer(vocab_dir / "vocab.txt", model_max_length=5)
    ids = short.encode(SENTENCE * 10)
    assert len(ids) == 5
    assert ids[-1] == short.eos_token_id


def test_batch_is_right_padded_with_a_mask(tok: PegasusJiebaTokenizer) -> None:
    torch = pytest.importorskip("torch")
    batch = tok([SENTENCE, "召开"])
    assert set(batch) == {"input_ids", "attention_mask"}
    ids, mask = batch["input_ids"], batch["attention_mask"]
    assert ids.dtype == torch.long
    assert mask.dtype == torch.long
    assert ids.shape == mask.shape == (2, 8)
    assert ids[0].tolist() == tok.encode(SENTENCE)
    assert ids[1].tolist() == [vid("召开"), tok.eos_token_id] + [tok.pad_token_id] * 6
    assert mask[1].tolist() == [1, 1] + [0] * 6
    assert mask[0].tolist() == [1] * 8


def test_batch_without_tensors_or_padding(tok: PegasusJiebaTokenizer) -> None:
    lists = tok([SENTENCE, "召开"], return_tensors=None)
    assert lists["input_ids"][1] == [vid("召开"), tok.eos_token_id] + [tok.pad_token_id] * 6
    ragged = tok([SENTENCE, "召开"], padding=False, return_tensors=None)
    assert [len(row) for row in ragged["input_ids"]] == [8, 2]
    assert ragged["attention_mask"][1] == [1, 1]
    with pytest.raises(ValueError, match="padding"):
        tok([SENTENCE, "召开"], padding=False)
    # A bare string is one text, not a batch of characters.
    assert tok("召开", return_tensors=None)["input_ids"] == [[vid("召开"), tok.eos_token_id]]
    truncated = tok([SENTENCE], max_length=3, return_tensors=None)
    assert truncated["input_ids"] == [[vid("交城县"), vid("召开"), tok.eos_token_id]]


def test_decode_joins_cjk_merges_pieces_and_skips_specials(tok: PegasusJiebaTokenizer) -> None:
    pieces = tok.convert_tokens_to_ids(["交城县", "召开", "cov", "##id", "-", "19", "会议", "</s>", "<pad>"])
    assert tok.decode(pieces) == "交城县召开covid-19会议"
    assert tok.decode(pieces, skip_special_tokens=False) == "交城县召开covid-19会议</s><pad>"
    assert tok.decode(tok.convert_tokens_to_ids(["2024", "##年"])) == "2024年"
    assert tok.decode(tok.convert_tokens_to_ids(["hello", "world", "!"])) == "hello world!"
    assert tok.decode(tok.convert_tokens_to_ids(["hello", ",", "world", "5", ".", "5"])) == "hello, world 5.5"
    # BERT's control entries and ids past the vocabulary (padded embedding matrices) are not text.
    assert tok.decode([vid("[CLS]"), vid("交"), tok.vocab_size + 7, vid("[SEP]")]) == "交"
    assert tok.decode([tok.vocab_size + 7], skip_special_tokens=False) == "<unk>"


def test_chinese_round_trip(tok: PegasusJiebaTokenizer) -> None:
    for text in [SENTENCE, "本报讯我们的会议是在交城县召开的。", "“交城县”召开会议！2024年7月"]:
        assert tok.decode(tok.encode(text)) == text


def test_decode_accepts_tensors(tok: PegasusJiebaTokenizer) -> None:
    torch = pytest.importorskip("torch")
    batch = tok([SENTENCE, "召开会议"])
    assert tok.batch_decode(batch["input_ids"]) == [SENTENCE, "召开会议"]
    assert tok.decode(batch["input_ids"][1]) == "召开会议"
    assert tok.batch_decode([[vid("交城县")], torch.tensor([vid("会议")])]) == ["交城县", "会议"]


def test_save_and_load_round_trip(tok: PegasusJiebaTokenizer, vocab_dir: Path, tmp_path: Path) -> None:
    tok.save_pretrained(tmp_path / "saved")
    assert (tmp_path / "saved" / "vocab.txt").read_bytes() == (vocab_dir / "vocab.txt").read_bytes()
    loaded = PegasusJiebaTokenizer.from_pretrained(tmp_path / "saved")
    assert loaded.encode(SENTENCE) == tok.encode(SENTENCE)
    assert loaded.vocab_size == tok.vocab_size
    assert (loaded.pad_token_id, loaded.eos_token_id) == (tok.pad_token_id, tok.eos_token_id)

    # Settings travel with the vocabulary.
    cased = PegasusJiebaTokenizer(vocab_dir / "vocab.txt", do_lower_case=False, model_max_length=64)
    cased.save_pretrained(tmp_path / "cased")
    again = PegasusJiebaTokenizer.from_pretrained(str(tmp_path / "cased"))
    assert (again.do_lower_case, again.model_max_length) == (False, 64)


def test_loading_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"vocab\.txt"):
        PegasusJiebaTokenizer.from_pretrained(tmp_path)
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n交\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\[unused1\]"):
        PegasusJiebaTokenizer.from_pretrained(tmp_path)


@pytest.mark.parametrize(
    ("decoded", "expected"),
    [
        ("交 城 县 召 开", "交城县召开"),
        ("交 城 县 ， 召 开 会 议 。", "交城县，召开会议。"),
        ("“ 三 送 三 进 ” 活 动", "“三送三进”活动"),
        ("2024 年 7 月", "2024年7月"),
        ("covid - 19 疫 情", "covid - 19疫情"),
        ("hello world 2024", "hello world 2024"),
        ("交 城 hello world 县", "交城hello world县"),
        ("第 一 行\n第 二 行", "第一行\n第二行"),
        ("", ""),
    ],
)
def test_strip_cjk_spaces(decoded: str, expected: str) -> None:
    assert strip_cjk_spaces(decoded) == expected


def test_tiny_pegasus_generates_from_the_batch(tok: PegasusJiebaTokenizer) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.PegasusConfig(
        vocab_size=tok.vocab_size,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.pad_token_id,
    )
    model = transformers.PegasusForConditionalGeneration(config).eval()
    batch = tok([SENTENCE, "召开会议"], max_length=64)
    with torch.no_grad():
        out = model.generate(**batch, max_new_tokens=5)
    assert out.dtype == torch.long
    assert out.shape[0] == 2
    assert 1 < out.shape[1] <= 6  # the decoder start token, then at most five new ones
    texts = tok.batch_decode(out)
    assert len(texts) == 2
    assert all(isinstance(text, str) for text in texts)
