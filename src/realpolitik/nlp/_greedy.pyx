# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# distutils: language = c++
"""The greedy transition loop of spaCy's parser and NER, without its per-state overheads.

spaCy 3.8.7's ``Parser.greedy_parse`` (spacy/pipeline/transition_parser.pyx with
spacy/ml/parser_model.pyx) spends about two thirds of the parser's time outside the neural
network: its compiled loop checks for Python errors, which means taking the GIL, inside the
per-state work of every step, and adds each state's eight feature vectors with one BLIS call
each. This module is that loop, written again with nothing that can raise inside it: the same
steps in the same order (feature ids, the sum of the precomputed feature vectors, bias, maxout,
the output layer by the same BLAS call through thinc's CBlas, unseen classes set to the minimum
score, the best valid action taken) and so the same floats and the same parses
(tests/test_nlp.py compares them with spaCy's on corpus sentences). About three times faster
than spaCy's loop for the parser.

Only greedy decoding (``beam_width`` 1, the pinned models' setting) is here; see
realpolitik.nlp.transition for the component that calls it and falls back to spaCy's own.
"""
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memset
from libcpp.vector cimport vector
from spacy.ml.parser_model cimport (
    ActivationsC,
    SizesC,
    WeightsC,
    get_c_sizes,
    get_c_weights,
)
from spacy.pipeline._parser_internals._state cimport StateC
from spacy.pipeline._parser_internals.stateclass cimport StateClass
from spacy.pipeline._parser_internals.transition_system cimport Transition, TransitionSystem
from thinc.backends.cblas cimport CBlas, sgemm


cdef inline void _resize(ActivationsC* A, SizesC n) noexcept nogil:
    if n.states <= A._max_size:
        A._curr_size = n.states
        return
    A.token_ids = <int*>realloc(A.token_ids, n.states * n.feats * sizeof(int))
    A.scores = <float*>realloc(A.scores, n.states * n.classes * sizeof(float))
    A.unmaxed = <float*>realloc(A.unmaxed, n.states * n.hiddens * n.pieces * sizeof(float))
    A.hiddens = <float*>realloc(A.hiddens, n.states * n.hiddens * sizeof(float))
    A.is_valid = <int*>realloc(A.is_valid, n.states * n.classes * sizeof(int))
    A._max_size = n.states
    A._curr_size = n.states


cdef void _predict_states(
    CBlas cblas, ActivationsC* A, StateC** states, const WeightsC* W, SizesC n
) noexcept nogil:
    """spacy.ml.parser_model.predict_states: the scores of every action for every state."""
    cdef int i, j, f, k, which, index
    cdef int width = n.hiddens * n.pieces
    cdef const float* padding = W.feat_weights
    cdef const float* cached = W.feat_weights + n.feats * width
    cdef const float* feature
    cdef const int* token_ids
    cdef float* row
    cdef float best
    _resize(A, n)
    for i in range(n.states):
        states[i].set_context_tokens(&A.token_ids[i * n.feats], n.feats)
    memset(A.unmaxed, 0, n.states * width * sizeof(float))
    memset(A.hiddens, 0, n.states * n.hiddens * sizeof(float))
    # Each state's features: the precomputed vector of each context token (or the padding
    # vector of the feature), added in feature order as spaCy's saxpy calls add them.
    token_ids = A.token_ids
    for i in range(n.states):
        row = &A.unmaxed[i * width]
        for f in range(n.feats):
            if token_ids[f] < 0:
                feature = &padding[f * width]
            else:
                feature = &cached[token_ids[f] * n.feats * width + f * width]
            for k in range(width):
                row[k] += feature[k]
        token_ids += n.feats
    for i in range(n.states):
        row = &A.unmaxed[i * width]
        for k in range(width):
            row[k] += W.feat_bias[k]
        for j in range(n.hiddens):
            index = j * n.pieces
            # thinc's Vec.arg_max: the first of equal maxima
            if n.pieces == 2:
                which = 0 if row[index] > row[index + 1] else 1
            else:
                which = 0
                best = row[index]
                for k in range(1, n.pieces):
                    if row[index + k] > best:
                        best = row[index + k]
                        which = k
            A.hiddens[i * n.hiddens + j] = row[index + which]
    memset(A.scores, 0, n.states * n.classes * sizeof(float))
    if W.hidden_weights == NULL:
        memcpy(A.scores, A.hiddens, n.states * n.classes * sizeof(float))
    else:
        sgemm(cblas)(
            False, True, n.states, n.classes, n.hiddens,
            1.0, <const float*>A.hiddens, n.hiddens,
            <const float*>W.hidden_weights, n.hiddens,
            0.0, A.scores, n.classes
        )
        for i in range(n.states):
            row = &A.scores[i * n.classes]
            for k in range(n.classes):
                row[k] += W.hidden_bias[k]
    cdef float lowest = A.scores[0]
    for i in range(1, n.states * n.classes):
        if A.scores[i] < lowest:
            lowest = A.scores[i]
    for i in range(n.states):
        for j in range(n.classes):
            if not W.seen_classes[j]:
                A.scores[i * n.classes + j] = lowest


cdef void _parse(
    CBlas cblas, TransitionSystem moves, StateC** states, WeightsC weights, SizesC sizes
) noexcept nogil:
    """Parser._parseC with Parser.c_transition_batch: step every unfinished state at once."""
    cdef int i, j, guess
    cdef const float* scores
    cdef Transition action
    cdef vector[StateC*] unfinished
    cdef ActivationsC activations
    memset(&activations, 0, sizeof(activations))
    cdef int* is_valid = <int*>calloc(moves.n_moves, sizeof(int))
    while sizes.states >= 1:
        _predict_states(cblas, &activations, states, &weights, sizes)
        for i in range(sizes.states):
            moves.set_valid(is_valid, states[i])
            scores = &activations.scores[i * sizes.classes]
            guess = -1  # spacy.ml.parser_model.arg_max_if_valid
            for j in range(sizes.classes):
                if is_valid[j] >= 1:
                    if guess == -1 or scores[j] > scores[guess]:
                        guess = j
            if guess == -1:
                states[i].force_final()
            else:
                action = moves.c[guess]
                action.do(states[i], action.label)
        for i in range(sizes.states):
            if not states[i].is_final():
                unfinished.push_back(states[i])
        for i in range(<int>unfinished.size()):
            states[i] = unfinished[i]
        sizes.states = <int>unfinished.size()
        unfinished.clear()
    free(is_valid)
    free(activations.token_ids)
    free(activations.scores)
    free(activations.unmaxed)
    free(activations.hiddens)
    free(activations.is_valid)


def greedy_parse(component, docs):
    """The parse states of ``docs`` (a list of Docs, at least one with tokens) by the greedy
    decoder of spaCy's transition-based ``component`` (a parser or NER), as its
    ``greedy_parse(docs)`` gives them; the caller adds the component's labels first."""
    cdef vector[StateC*] states
    cdef StateClass state
    cdef CBlas cblas = component.model.ops.cblas()
    cdef TransitionSystem moves = component.moves
    if moves.n_moves <= 0:
        raise ValueError(f"component {component.name!r} has no actions: is it initialised?")
    batch = moves.init_batch(docs)
    model = component.model.predict(docs)
    weights = get_c_weights(model)
    for state in batch:
        if not state.is_final():
            states.push_back(state.c)
    sizes = get_c_sizes(model, states.size())
    if states.size():
        with nogil:
            _parse(cblas, moves, &states[0], weights, sizes)
    model.clear_memory()
    return batch
