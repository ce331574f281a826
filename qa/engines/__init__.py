"""Search engines behind one contract (`base.Engine`): embedded FAISS (default) and Milvus.

`qa.engines.milvus` imports pymilvus, so it is imported only where QA_BACKEND=milvus asks for it.
"""

FAISS = "faiss"
MILVUS = "milvus"
BACKENDS = (FAISS, MILVUS)
