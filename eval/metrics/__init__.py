"""Evaluation metrics, one small module per metric, pure Python + numpy.

Every metric takes simple typed inputs (ids, booleans, strings, an injected judge) so it can be
unit-tested on toy cases with hand-computed values and never sees a model or a prompt.

Modules:
    retrieval: hit@k, reciprocal rank / MRR@k, nDCG@k (binary relevance, ideal DCG over the relevant set).
    lookup: top-k accuracy of directive lookup.
    citation: ALCE-style citation recall and precision with an injected support judge.
    directive_accuracy: share of directive references that exist and match the registry.
    leak: share of draft sentences carrying another unit's names or figures.
    placeholder: share of expected fact slots filled with the clerk's fact or shown as a placeholder.
    paired: paired randomization test and bootstrap interval of a difference between two systems.
    judge_quality: precision/recall/F1 of the support judge and threshold calibration.
    alignment: share of gold section pairs (including gold "unmatched") reproduced exactly.

Convention for empty inputs: a "share of items" over zero items is 0.0 (so an empty run can never pass
a floor by accident); leak rate over zero sentences is 0.0 as well (nothing was leaked).
"""
