"""Teacher-forced log-probabilities of given outputs under torch and under CTranslate2.

Comparing what two runtimes say about the *same* output tokens checks the converted model itself,
apart from search: generated text can part at a near-tie, scores cannot. Used by the backend tests and
by benchmarks/bench_seq2seq.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.summarise.loading import LoadedModel


def torch_log_probs(
    loaded: LoadedModel, sources: Sequence[list[int]], targets: Sequence[list[int]]
) -> list[list[float]]:
    """Log-probability of each target token (the decoder start excluded) under the torch model."""
    import torch  # noqa: PLC0415

    model = loaded.model
    start = model.config.decoder_start_token_id
    scores: list[list[float]] = []
    with torch.inference_mode():
        for source, target in zip(sources, targets, strict=True):
            body = (
                target[1:] if target and target[0] == start and start != model.config.pad_token_id else target
            )
            ids = torch.tensor([source], dtype=torch.long)
            decoder = torch.tensor([[start, *body[:-1]]], dtype=torch.long)
            logits = model(
                input_ids=ids, attention_mask=torch.ones_like(ids), decoder_input_ids=decoder
            ).logits
            logp = torch.log_softmax(logits[0].float(), dim=-1)
            scores.append([float(logp[i, token]) for i, token in enumerate(body)])
    return scores


def ct2_log_probs(
    loaded: LoadedModel, sources: Sequence[list[int]], targets: Sequence[list[int]]
) -> list[list[float]]:
    """The same, from the CTranslate2 model (``score_batch`` scores the tokens and then an end token)."""
    runner = loaded.model
    bodies = [t[1:] if t and t[0] == runner.start_id != runner.pad_id else t for t in targets]
    # score_batch adds the end token itself: give it the tokens before any end token.
    trimmed = [b[:-1] if b and b[-1] == runner.eos_id else b for b in bodies]
    results = runner.translator.score_batch(
        [runner.source(s) for s in sources], [[runner.tokens[i] for i in t] for t in trimmed]
    )
    return [list(r.log_probs)[: len(b)] for r, b in zip(results, bodies, strict=True)]


def max_drift(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> float:
    """The largest difference between two runs' log-probabilities of the same tokens."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        assert len(x) == len(y), (len(x), len(y))
        worst = max([worst, *(abs(p - q) for p, q in zip(x, y, strict=True))])
    return worst
