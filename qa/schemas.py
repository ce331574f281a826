"""Request and response models of the HTTP API (they are its OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .dates import DateRange
from .facets import Scope
from .settings import DEFAULT_TOP_K, MAX_QUERY_CHARS, TOP_K_MAX, TOP_K_MIN
from .untrusted import web_url

MAX_MESSAGES = 50
MAX_NAME = 100  # speaker filter
MAX_DOCUMENT = 500  # document filter
TOP_K_DOC = f"Passages returned; default QA_TOP_K ({DEFAULT_TOP_K} unless set)."
MAX_DATE = 10  # YYYY-MM-DD
MAX_ID = 64  # a passage or job id (16 hex digits), with room
MAX_TURN_CHARS = 4 * MAX_QUERY_CHARS  # an earlier turn of a chat; only the question itself is held to MAX_QUERY_CHARS
DATE_DOC = "YYYY, YYYY-MM or YYYY-MM-DD, inclusive, against the speech's date; undated speeches are left out"
GROUP_DOC = "speaker: the best passage of each speaker, best first, up to top_k speakers"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value


class Source(BaseModel):
    document: str = Field(examples=["zhengzhou-2021-01-05-plenary-group-discussion.txt"])
    title: str = Field(examples=["为郑州建设现代化国家中心城市贡献力量"])
    date: str | None = Field(examples=["2021-01-05"])
    speaker: str | None = Field(examples=["张俊峰"])
    role: str | None = Field(examples=["航空港实验区党工委书记"])
    speech_title: str | None = Field(examples=["走好“枢纽+开放”路子 更好发挥引领带动作用"])
    section: str | None = Field(
        None, examples=["一、2020年工作回顾"], description="The heading (path) the passage sits under"
    )
    paragraph: int = Field(
        examples=[1],
        description="Paragraph within its speech; in a conversation (someone speaks more than once: a press "
        "conference, a debate, Hansard) within the whole document",
    )
    last_paragraph: int | None = Field(
        None, examples=[3], description="Last paragraph when short paragraphs were grouped into this passage"
    )
    part: int | None = Field(None, examples=[2], description="Part number when a long paragraph was split")
    event: str | None = Field(None, examples=["中共郑州市委十一届十三次全会"])
    place: str | None = Field(None, examples=["郑州"])
    url: str | None = Field(
        None,
        examples=["https://www.zhengzhou.gov.cn/news/2021-01-05.html"],
        description="The speech's web address; only http(s) addresses are returned (others, e.g. javascript:, "
        "are dropped as null)",
    )
    start: float | None = Field(None, examples=[754.2], description="Seconds into timed media (subtitles)")
    end: float | None = Field(None, examples=[771.9], description="Seconds into timed media (subtitles)")
    language: str | None = Field(None, examples=["zh"], description="Language of the speech: zh, en, or its tag")

    # An index built before URLs were checked at reading may still hold one; a client never gets it.
    _web_url_only = field_validator("url")(web_url)


class Hit(BaseModel):
    """One passage found for a question, with where it comes from."""

    id: str = Field(examples=["3f2a9c0d1b7e4a55"])
    rank: int = Field(examples=[1])
    score: float = Field(examples=[0.93])
    text: str
    source: Source
    highlights: list[tuple[int, int]] = Field(description="[start, end) character spans of query terms in text")
    best_sentence: str


class Facets(BaseModel):
    """Filters and grouping that search and chat share."""

    date_from: str | None = Field(None, max_length=MAX_DATE, description=DATE_DOC, examples=["2019"])
    date_to: str | None = Field(None, max_length=MAX_DATE, description=DATE_DOC, examples=["2021-06"])
    group_by: Literal["speaker"] | None = Field(None, description=GROUP_DOC)

    @model_validator(mode="after")
    def _dates_read(self):
        DateRange.parse(self.date_from, self.date_to)  # a DateProblem (a ValueError) names the field
        return self

    def scope(self) -> Scope:
        return Scope(DateRange.parse(self.date_from, self.date_to), self.group_by == "speaker")


class SearchRequest(Facets):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "航空港实验区坚持走什么路子？", "top_k": 5}]},
    )

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    top_k: int | None = Field(None, ge=TOP_K_MIN, le=TOP_K_MAX, description=TOP_K_DOC)
    speaker: str | None = Field(None, max_length=MAX_NAME)
    document: str | None = Field(None, max_length=MAX_DOCUMENT)

    _query_not_blank = field_validator("query")(_not_blank)


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    results: list[Hit]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


class ChatRequest(Facets):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {"role": "user", "content": "巩义要建成全省什么基地？"},
                        {"role": "assistant", "content": "巩义市委书记、市长袁聚平在……中说：“……”"},
                        {"role": "user", "content": "那登封呢？"},
                    ]
                }
            ]
        },
    )

    messages: list[Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    top_k: int | None = Field(None, ge=TOP_K_MIN, le=TOP_K_MAX, description=TOP_K_DOC)
    speaker: str | None = Field(None, max_length=MAX_NAME)

    @field_validator("messages")
    @classmethod
    def _last_is_question(cls, messages: list[Message]) -> list[Message]:
        last = messages[-1]
        if last.role != "user" or not last.content.strip():
            raise ValueError("the last message must be a non-empty user question")
        if len(last.content) > MAX_QUERY_CHARS:
            raise ValueError(f"the question is longer than {MAX_QUERY_CHARS} characters")
        return messages


class Citation(BaseModel):
    marker: int = Field(examples=[1], description="The [n] in the answer: passages[n-1]")
    passage_id: str = Field(examples=["3f2a9c0d1b7e4a55"])


class DroppedSentence(BaseModel):
    sentence: str = Field(examples=["荥阳计划在三年内建成十个湿地公园[1]。"])
    reason: str = Field(examples=["not supported by [1]: 25% of its content words are there (needs 80%)"])
    kind: Literal["uncited", "unknown_passage", "number", "unsupported"]


class ChatResponse(BaseModel):
    answer: str = Field(
        description="Quoted sentences with who said them; or, with QA_LLM_BASE_URL set, the model's sentences that "
        "the passages they cite support, each ending in its [n] markers"
    )
    query: str = Field(description="The question as searched, after reading earlier turns")
    passages: list[Hit]
    mode: Literal["generated", "quoted"] = Field("quoted", description="Whether `answer` is generated or quoted")
    citations: list[Citation] = Field([], description="Each [n] of a generated answer and the passage it names")
    dropped: list[DroppedSentence] = Field([], description="The model's sentences left out, and why")
    fallback: str | None = Field(None, description="Why the answer is quoted although a model is configured")


class SpeechParagraph(BaseModel):
    id: str
    paragraph: int = Field(description="Its paragraph, as `source.paragraph` counts")
    text: str
    speaker: str | None = None
    role: str | None = None
    speech: int = Field(0, description="Which turn of the document it belongs to: 0 before the first, then 1, 2, …")

    @classmethod
    def of(cls, p) -> SpeechParagraph:
        return cls(id=p.id, paragraph=p.paragraph, text=p.text, speaker=p.speaker, role=p.role, speech=p.speech)


class PassageContext(BaseModel):
    passage: Hit
    speech: list[SpeechParagraph] = Field(
        description="The passage's speech in order; a short turn (of a press conference, a debate) with the turns "
        "around it"
    )


class Speaker(BaseModel):
    speaker: str
    role: str | None
    speech_title: str | None
    document: str
    passages: int


class DocumentInfo(BaseModel):
    document: str
    title: str
    date: str | None


class SpeakersResponse(BaseModel):
    speakers: list[Speaker]
    documents: list[DocumentInfo]


class ExamplesResponse(BaseModel):
    language: str = Field(description="The questions' language: the page's, unless the corpus has no speech in it")
    examples: list[str]


class Health(BaseModel):
    status: Literal["ok"]
    model: str
    passages: int
    built_at: str
    backend: Literal["faiss", "milvus"] = Field(description="The search engine serving this index")


class Problem(BaseModel):
    detail: str = Field(examples=["query: must not be empty or only spaces"])


class LibraryDocument(BaseModel):
    document: str = Field(examples=["budget-2024.docx"])
    title: str
    speakers: list[str]
    date: str | None
    format: str | None = Field(examples=["docx"])
    passages: int
    bytes: int | None = Field(description="Size of the file in the corpus; null if this server cannot see it")
    added_at: str | None = Field(description="When the file was written to the corpus (UTC)")


class DocumentsResponse(BaseModel):
    documents: list[LibraryDocument]
    writable: bool = Field(description="Whether this server takes uploads and deletions (QA_ADMIN_TOKEN is set)")


class JobAccepted(BaseModel):
    job: str = Field(examples=["9f1c2a7be0d34c11"])
    documents: list[str] = Field(description="The documents the job adds or removes, as kept in the corpus")


class JobStatus(BaseModel):
    job: str
    state: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0.0, le=1.0)
    message: str
